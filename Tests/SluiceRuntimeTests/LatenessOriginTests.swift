import Dispatch
import SluiceConnectors
import SluiceCore
import SluiceExpr
import SluiceOperators
import SluiceRuntime
import Testing

/// Whether a row is late must not depend on how far the other splits and partitions
/// happen to be when it arrives: a window behind several channels judges it against the
/// watermark its own split had sent before it, not the minimum over channels at that
/// moment. Otherwise a batch job gives different views from run to run.
@Suite struct LatenessOriginTests {
    static let schema = Schema([
        Field("id", .string, nullable: false), Field("agent_id", .string, nullable: false),
        Field("pattern", .string, nullable: false), Field("ts", .timestamp, nullable: false),
    ])
    static let start: Int64 = 1_764_000_000_000
    static let minute: Int64 = 60_000

    static func batch(_ rows: [(id: String, agent: String, pattern: String, minutes: Double)]) -> Batch {
        var builder = BatchBuilder(schema: schema)
        for row in rows {
            builder.append(values: [
                .string(row.id), .string(row.agent), .string(row.pattern),
                .timestamp(start + Int64(row.minutes * Double(minute))),
            ])
        }
        return builder.finish()
    }

    /// Split 0 reaches minute 10, then brings `late-0` (minute 1.5: its window ended at 2,
    /// plus a minute of lateness, before 10) and `on-time-0` (minute 9.5: within lateness).
    /// Split 1 reaches minute 20, then brings `late-1` (minute 12) and `on-time-1` (19.5).
    static let splits: [[Batch]] = [
        [
            batch((0...10).map { ("a\($0)", "agent-\($0 % 4)", $0 % 2 == 0 ? "p" : "q", Double($0)) }),
            batch([("late-0", "agent-1", "p", 1.5), ("on-time-0", "agent-2", "q", 9.5)]),
        ],
        [
            batch((11...20).map { ("b\($0)", "agent-\($0 % 4)", $0 % 2 == 0 ? "p" : "q", Double($0)) }),
            batch([("late-1", "agent-3", "q", 12), ("on-time-1", "agent-0", "p", 19.5)]),
        ],
    ]

    /// dedupe (partitioned by agent) → per pattern and minute: a window behind an exchange
    /// when there are several partitions, and behind both splits' channels always.
    static func flow(first: Int) -> (Dataflow, view: MemorySink, late: MemorySink) {
        let flow = Dataflow(name: "lateness-origin")
        let source = SplitsInTurnSource(name: "events", schema: schema, splits: splits, first: first)
        let (unique, _) = flow.stream(source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
            .dedupe(horizonMillis: 60 * minute, partitionKeys: ["agent_id"], name: "unique")
        let (perPattern, late) = unique.keyBy(["pattern"]).window(.tumbling(sizeMillis: minute))
            .aggregate([AggregateSpec("n", .count)], allowedLatenessMillis: minute, name: "per-pattern")
        let view = MemorySink(name: "view")
        let lateRows = MemorySink(name: "late")
        perPattern.sink("view", view, mode: .upsert(key: ["pattern", "window_start"]))
        late.sink("late", lateRows, mode: .append)
        return (flow, view, lateRows)
    }

    @Test func theWindowSitsBehindAnExchange() throws {
        let (flow, _, _) = Self.flow(first: 0)
        #expect(try flow.inputEdges(partitions: 3)["per-pattern"] == [.exchange(["pattern"])])
    }

    /// Each split read whole before the other starts, in both orders, on one partition and
    /// behind an exchange: the late rows are the ones later than their own split's
    /// watermark, every time, and the view counts exactly the others.
    @Test(arguments: [(0, 1), (1, 1), (0, 3), (1, 3)])
    func lateRowsAreTheSameWhicheverSplitRunsAhead(first: Int, partitions: Int) throws {
        let (flow, view, late) = Self.flow(first: first)
        let summary = try Job(flow, options: SplitsInTurnSource.options(partitions: partitions)).run()
        #expect(summary.outcome == .completed)

        let lateIds = late.rows.compactMap { $0["id"]?.asString }.sorted()
        #expect(lateIds == ["late-0", "late-1"])

        var expected: [String: Int64] = [:]
        for batch in Self.splits.joined() {
            for row in batch.rows where !lateIds.contains(row["id"]!.asString!) {
                let minute = (row["ts"]!.asInt! - Self.start) / Self.minute
                expected["\(row["pattern"]!.asString!)@\(minute)", default: 0] += 1
            }
        }
        var counted: [String: Int64] = [:]
        for row in view.upsertedRows {
            let minute = (row["window_start"]!.asInt! - Self.start) / Self.minute
            counted["\(row["pattern"]!.asString!)@\(minute)"] = row["n"]!.asInt!
        }
        #expect(counted == expected)
    }
}

/// The same for a window join: a row later than its own split's watermark joins nothing,
/// whichever split runs ahead.
@Suite struct WindowJoinLatenessOriginTests {
    static let schema = Schema([
        Field("id", .string, nullable: false), Field("side", .string, nullable: false),
        Field("key", .string, nullable: false), Field("ts", .timestamp, nullable: false),
    ])
    static let start = LatenessOriginTests.start
    static let minute = LatenessOriginTests.minute

    static func batch(_ rows: [(id: String, side: String, minutes: Double)]) -> Batch {
        var builder = BatchBuilder(schema: schema)
        for row in rows {
            builder.append(values: [
                .string(row.id), .string(row.side), .string("k"), .timestamp(start + Int64(row.minutes * Double(minute))),
            ])
        }
        return builder.finish()
    }

    /// A left and a right row in every minute: split 0 minutes 0–10, split 1 minutes
    /// 11–20. Then each split brings a left row for a window its own watermark has passed
    /// (`late-…`) and a right row for its newest window, which joins.
    static let splits: [[Batch]] = [
        [
            batch((0...10).flatMap { [("L\($0)", "L", Double($0) + 0.2), ("R\($0)", "R", Double($0) + 0.5)] }),
            batch([("late-0", "L", 3.1), ("R10b", "R", 10.7)]),
        ],
        [
            batch((11...20).flatMap { [("L\($0)", "L", Double($0) + 0.2), ("R\($0)", "R", Double($0) + 0.5)] }),
            batch([("late-1", "L", 12.3), ("R20b", "R", 20.8)]),
        ],
    ]

    @Test(arguments: [(0, 1), (1, 1), (0, 3), (1, 3)])
    func pairsAreTheSameWhicheverSplitRunsAhead(first: Int, partitions: Int) throws {
        let flow = Dataflow(name: "join-lateness-origin")
        let source = SplitsInTurnSource(name: "events", schema: Self.schema, splits: Self.splits, first: first)
        let events = flow.stream(source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        let left = events.filter(try Expr.compile("side = 'L'", schema: Self.schema), name: "left")
        let right = events.filter(try Expr.compile("side = 'R'", schema: Self.schema), name: "right")
        let pairs = left.keyBy(["key"]).windowJoin(right.keyBy(["key"]), sizeMillis: Self.minute, name: "pairs")
        let sink = MemorySink(name: "pairs")
        pairs.sink("out", sink, mode: .append)
        let summary = try Job(flow, options: SplitsInTurnSource.options(partitions: partitions)).run()
        #expect(summary.outcome == .completed)

        let got = sink.rows.map { "\($0["left_id"]!.asString!)+\($0["right_id"]!.asString!)" }.sorted()
        let expected = ((0...20).map { "L\($0)+R\($0)" } + ["L10+R10b", "L20+R20b"]).sorted()
        #expect(got == expected)
    }
}

/// And for de-duplication's horizon: an id is forgotten for a row when the row's own
/// split's watermark has passed it, whichever split runs ahead.
@Suite struct DedupeHorizonOriginTests {
    static let schema = LatenessOriginTests.schema
    static let minute = LatenessOriginTests.minute

    static func batch(_ rows: [(id: String, minutes: Double)]) -> Batch {
        LatenessOriginTests.batch(rows.map { ($0.id, "agent-1", "p", $0.minutes) })
    }

    /// A two-minute horizon. Split 0 brings `x` and `z` (minutes 0 and 9.2), reaches minute
    /// 10, then brings both again: `x` is forgotten by then (its own split's watermark is
    /// 10), `z` is not. Split 1 does the same with `y` at 11 and again at 19.5 (watermark 20).
    static let splits: [[Batch]] = [
        [
            batch([("x", 0), ("z", 9.2)] + (1...10).map { ("a\($0)", Double($0)) }),
            batch([("x", 9.5), ("z", 9.6)]),
        ],
        [
            batch([("y", 11)] + (12...20).map { ("b\($0)", Double($0)) }),
            batch([("y", 19.5)]),
        ],
    ]

    @Test(arguments: [(0, 1), (1, 1), (0, 3), (1, 3)])
    func forgottenIdsAreTheSameWhicheverSplitRunsAhead(first: Int, partitions: Int) throws {
        let flow = Dataflow(name: "dedupe-origin")
        let source = SplitsInTurnSource(name: "events", schema: Self.schema, splits: Self.splits, first: first)
        let (unique, duplicates) = flow.stream(source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
            .dedupe(horizonMillis: 2 * Self.minute, name: "unique")
        let firsts = MemorySink(name: "firsts")
        let repeats = MemorySink(name: "repeats")
        unique.sink("firsts", firsts, mode: .append)
        duplicates.sink("repeats", repeats, mode: .append)
        let summary = try Job(flow, options: SplitsInTurnSource.options(partitions: partitions)).run()
        #expect(summary.outcome == .completed)

        #expect(repeats.rows.compactMap { $0["id"]?.asString } == ["z"])
        let passed = firsts.rows.compactMap { $0["id"]?.asString }
        #expect(passed.filter { $0 == "x" }.count == 2)
        #expect(passed.filter { $0 == "y" }.count == 2)
        #expect(passed.count == 24)
    }
}

/// Splits read one after the other: split `first` whole, then the others, each starting
/// once the one before has handed over its last batch and watermark (its reader is asked
/// for more after them).
struct SplitsInTurnSource: Source {
    let name: String
    let schema: Schema
    let splits: [[Batch]]
    let first: Int
    /// Signalled when split i's reader is asked for a chunk after its last batch.
    let drained: [DispatchSemaphore]

    init(name: String, schema: Schema, splits: [[Batch]], first: Int) {
        self.name = name
        self.schema = schema
        self.splits = splits
        self.first = first
        drained = splits.map { _ in DispatchSemaphore(value: 0) }
    }

    var splitCount: Int { splits.count }
    var isBounded: Bool { true }

    /// Two workers, no epochs and no watermark alignment: a barrier could hold the first
    /// split's channel (and pending epochs the split itself) while the next one is read,
    /// and alignment could hold a split that is ahead. Either would undo the order.
    static func options(partitions: Int) -> RunOptions {
        var options = RunOptions(workers: 2, partitions: partitions)
        options.epochIntervalMillis = nil
        options.maxSplitDriftMillis = nil
        return options
    }

    func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        // Split `first` waits for nobody; every other split for the one before it in turn.
        let order = [first] + splits.indices.filter { $0 != first }
        let place = order.firstIndex(of: index)!
        return Reader(source: self, split: index, waitFor: place == 0 ? nil : drained[order[place - 1]])
    }

    final class Reader: SourceReader {
        let source: SplitsInTurnSource
        let split: Int
        var waitFor: DispatchSemaphore?
        var next = 0

        init(source: SplitsInTurnSource, split: Int, waitFor: DispatchSemaphore?) {
            self.source = source
            self.split = split
            self.waitFor = waitFor
        }

        func next(maxRows: Int) throws -> SourceChunk {
            if let waitFor {
                // Bounded, so that a broken hand-over fails the test instead of hanging it.
                guard waitFor.wait(timeout: .now() + .seconds(20)) == .success else {
                    throw SluiceError(.sourceFailed, "split \(split) waited 20 s for the split before it")
                }
                self.waitFor = nil
            }
            guard next < source.splits[split].count else {
                if next == source.splits[split].count { source.drained[split].signal() }
                next += 1
                return .end
            }
            var batch = source.splits[split][next]
            next += 1
            batch.position = SourcePosition(source: source.name, split: split, offset: Int64(next))
            return .data(batch, rejections: [])
        }
    }
}
