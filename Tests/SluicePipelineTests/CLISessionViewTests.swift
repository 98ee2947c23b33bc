import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// Session windows written to an upsert view, end to end: events out of order move
/// session starts and merge fired sessions, and the view must end up holding exactly the
/// sessions of all events — no orphan row left under an old `window_start`.
@Suite struct CLISessionViewTests {
    static let gap: Int64 = 5_000

    /// Events whose times mostly advance, with quiet spells longer than the gap (so
    /// sessions close and fire) and one event in eight arriving up to 20 s late (within
    /// the allowed lateness): those extend fired sessions backwards and bridge them.
    static func events(seed: UInt64) -> [(agent: String, ts: Int64, value: Int)] {
        var rng = SplitMix64(seed: seed)
        var base: Int64 = 1_764_000_000_000
        var out: [(String, Int64, Int)] = []
        for _ in 0..<6_000 {
            base += Int64.random(in: 0..<30, using: &rng)
            if Int.random(in: 0..<150, using: &rng) == 0 { base += Int64.random(in: 5_500..<9_000, using: &rng) }
            let late = Int.random(in: 0..<8, using: &rng) == 0
            let ts = base - (late ? Int64.random(in: 0..<20_000, using: &rng) : Int64.random(in: 0..<300, using: &rng))
            out.append(("agent-\(Int.random(in: 0..<6, using: &rng))", ts, Int.random(in: 0..<100, using: &rng)))
        }
        return out
    }

    /// The sessions of all events, as `agent|start|end|count|total`, sorted.
    static func reference(_ events: [(agent: String, ts: Int64, value: Int)]) -> [String] {
        var out: [String] = []
        for (agent, members) in Dictionary(grouping: events, by: \.agent) {
            let sorted = members.sorted { $0.ts < $1.ts }
            var session = [sorted[0]]
            func close() {
                out.append(
                    "\(agent)|\(session[0].ts)|\(session.last!.ts + gap)|\(session.count)|\(session.reduce(0) { $0 + $1.value })")
            }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                if b.ts - a.ts >= gap {
                    close()
                    session = []
                }
                session.append(b)
            }
            close()
        }
        return out.sorted()
    }

    static func pipeline(sink: String) -> String {
        """
        pipeline: agent-sessions
        source:
          uri: "file:events.ndjson"
          schema: { agent_id: string, ts: timestamp, value: double }
        event_time: { field: ts, max_out_of_orderness: 1s, allowed_lateness: 1h }
        steps:
          - key_by: [agent_id]
          - window: { session: 5s }
          - aggregate: { n: count(), total: sum(value) }
        sink: { uri: "\(sink)", view: agent_sessions, key: [agent_id, window_start], flush_every: 5ms }
        """
    }

    static func write(_ events: [(agent: String, ts: Int64, value: Int)], to path: String) throws {
        let lines = events.map { #"{"agent_id":"\#($0.agent)","ts":\#($0.ts),"value":\#($0.value)}"# }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func theSQLiteViewOfABatchRunHoldsExactlyTheSessionsOfAllEvents() throws {
        try TemporaryDirectory.with { dir in
            let events = Self.events(seed: 21)
            try Self.write(events, to: dir.path("events.ndjson"))
            try Self.pipeline(sink: "sqlite:views.db").write(
                toFile: dir.path("sessions.yaml"), atomically: true, encoding: .utf8)
            var process = SluiceProcess(arguments: ["batch", "sessions.yaml"], directory: dir.path)
            process.environment = ["DAA_DEAD_LETTER": "memory:dead"]
            let result = try process.run()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("6000 events in"), "\(result.stdout)")

            let view = try SQLiteViews.read(path: dir.path("views.db"), view: "agent_sessions", limit: nil)
            #expect(view.columns == ["agent_id", "window_start", "window_end", "n", "total", "is_final"])
            let rows = view.rows.map { row in
                [row[0].asString!, "\(row[1].asInt!)", "\(row[2].asInt!)", "\(row[3].asInt!)", "\(Int(row[4].asDouble!))"]
                    .joined(separator: "|")
            }
            let expected = Self.reference(events)
            #expect(expected.count > 60, "the input must make many sessions")
            #expect(rows.count == expected.count, "orphan rows: \(Set(rows).subtracting(expected).sorted().prefix(5))")
            #expect(rows.sorted() == expected)
        }
    }

    @Test(arguments: [1, 3])
    func theMemoryViewOfAJobHoldsExactlyTheSessionsOfAllEvents(partitions: Int) throws {
        try TemporaryDirectory.with { dir in
            let events = Self.events(seed: 22)
            try Self.write(events, to: dir.path("events.ndjson"))
            let text = Self.pipeline(sink: "memory:views").replacingOccurrences(
                of: "file:events.ndjson", with: "file:\(dir.path("events.ndjson"))")
            try text.write(toFile: dir.path("sessions.yaml"), atomically: true, encoding: .utf8)
            let spec = try PipelineLoader(environment: [:]).load(contentsOf: dir.path("sessions.yaml")).get()
            let memory = MemoryConnectors()
            let planned = try PipelinePlanner(catalog: Catalog(memory: memory)).plan(spec)
            let job = try Job(planned.dataflow, options: RunOptions(workers: 2, partitions: partitions))
            let summary = try job.run()
            #expect(summary.eventsIn == 6_000)
            let view = memory.sink(named: "views.agent_sessions")
            let rows = view.upsertedRows.map { row in
                [
                    row["agent_id"]!.asString!, "\(row["window_start"]!.asInt!)", "\(row["window_end"]!.asInt!)",
                    "\(row["n"]!.asInt!)", "\(Int(row["total"]!.asDouble!))",
                ].joined(separator: "|")
            }
            #expect(view.committedEpochs.contains { !$0.retractions.isEmpty }, "the input must move emitted sessions")
            #expect(rows.sorted() == Self.reference(events))
        }
    }
}
