import SluiceConnectors
import SluiceCore
import SluiceExpr
import SluiceOperators
import SluicePostgres
import SluiceRuntime
import SluiceTestSupport
import Synchronization
import Testing

/// A real job into PostgreSQL with the group as its checkpoint store: crashed and
/// restored, its tables equal an uninterrupted run's, row for row.
@Suite struct PostgresJobTests {
    static let schema = Schema([
        Field("agent", .string, nullable: false), Field("value", .double, nullable: false),
        Field("ts", .timestamp, nullable: false),
    ])

    /// One split of events with disorder (some later than the watermark: late rows) and
    /// gaps that open, extend and merge sessions. One split, because which rows are late
    /// depends on how two splits' watermarks interleave, which is not repeatable.
    static let splits: [[Batch]] = (0..<1).map { split in
        var random = SplitMix64(seed: 900 + UInt64(split))
        var t: Int64 = 1_764_000_000_000
        return (0..<80).map { _ in
            var builder = BatchBuilder(schema: schema)
            for _ in 0..<50 {
                t += Int64(random.next() % 12)
                builder.append(values: [
                    .string("agent-\(random.next() % 7)"), .double(Double(random.next() % 100)),
                    .timestamp(t - Int64(random.next() % 250)),
                ])
            }
            return builder.finish()
        }
    }

    /// events → key by agent → 100 ms tumbling windows (count, sum, max) into an upsert
    /// view, late events into an append view, 40 ms sessions (with retractions) into a
    /// second upsert view: all three in the group.
    static func flow(_ group: PostgresCommitGroup) throws -> Dataflow {
        let flow = Dataflow(name: "pg-job")
        let value = try Expr.compile("value", schema: schema)
        let events = flow.stream(
            InMemorySource(name: "events", schema: schema, splits: splits),
            eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 100))
        let keyed = events.keyBy(["agent"])
        let (windows, late) = keyed.window(.tumbling(sizeMillis: 100)).aggregate(
            [AggregateSpec("n", .count), AggregateSpec("total", .sum, value), AggregateSpec("high", .max, value)])
        let (sessions, sessionLate) = keyed.window(.session(gapMillis: 40)).aggregate(
            [AggregateSpec("n", .count), AggregateSpec("total", .sum, value)], name: "session_window")
        let key = ["agent", "window_start"]
        windows.sink("windows", group.viewSink(name: "windows", view: "windows"), mode: .upsert(key: key))
        late.sink("late", group.viewSink(name: "late", view: "late_events"), mode: .append)
        sessions.sink("sessions", group.viewSink(name: "sessions", view: "sessions"), mode: .upsert(key: key))
        sessionLate.sink("session_late", group.viewSink(name: "session_late", view: "session_late"), mode: .append)
        return flow
    }

    static func options(_ group: PostgresCommitGroup) -> RunOptions {
        var options = RunOptions(workers: 2, partitions: 3)
        options.epochEveryBatches = 4
        // One 50-row batch per chunk (batchRows × partitions rows), so epochs are many.
        options.batchRows = 16
        options.maxSplitDriftMillis = nil
        options.checkpointStore = group
        return options
    }

    static let tables = ["windows", "late_events", "sessions", "session_late"]

    static func contents(_ db: PostgresTestNamespace) throws -> [String: [String?]] {
        var contents: [String: [String?]] = [:]
        for table in tables {
            contents[table] = try db.admin.execute("SELECT t::text FROM \(db.name).\(table) AS t ORDER BY 1").rows.map { $0[0] }
        }
        return contents
    }

    @Test(.timeLimit(.minutes(5))) func aCrashedAndRestoredJobLeavesTheUninterruptedTables() throws {
        let reference = try PostgresTestNamespace()
        let crashed = try PostgresTestNamespace()
        try withExtendedLifetime((reference, crashed)) {
            let referenceGroup = reference.group(owner: "reference")
            let summary = try Job(Self.flow(referenceGroup), options: Self.options(referenceGroup)).run()
            #expect(summary.outcome == .completed)
            let expected = try Self.contents(reference)
            for table in Self.tables where table != "session_late" {
                #expect(!(expected[table] ?? []).isEmpty, "the reference run wrote no \(table)")
            }

            // Crash right after the checkpoints of epochs 3 and then 7 are durable, restore
            // each time from the group's latest checkpoint with a new worker (a new owner).
            for (attempt, crashAt) in [UInt64(3), 7, .max].enumerated() {
                let group = crashed.group(owner: "worker-\(attempt)")
                var options = Self.options(group)
                options.restoreFrom = try group.latest(pipeline: "pg-job")
                let box = PostgresJobBox()
                options.onEpochComplete = { epoch in if epoch.value >= crashAt { box.job?.abort() } }
                let job = try Job(Self.flow(group), options: options)
                box.job = job
                let run = try job.run()
                // A restored run resumes after the checkpoint's positions, not from the start.
                if attempt > 0 { #expect(run.eventsIn < summary.eventsIn) }
                if crashAt == .max {
                    #expect(run.outcome == .completed)
                } else {
                    #expect(run.outcome == .aborted)
                    #expect(try group.latest(pipeline: "pg-job")?.epoch.value ?? 0 >= crashAt)
                    #expect(try group.latestOwner(pipeline: "pg-job") == "worker-\(attempt)")
                }
            }
            let actual = try Self.contents(crashed)
            for table in Self.tables {
                let (got, want) = (actual[table] ?? [], expected[table] ?? [])
                #expect(got == want, "\(table): \(got.count) rows vs \(want.count); first differences \(Array(zip(got, want).filter { $0 != $1 }.prefix(2)))")
            }
        }
    }
}

final class PostgresJobBox: @unchecked Sendable {
    // Set before run(), read by the coordinator's callback.
    var job: Job?
}
