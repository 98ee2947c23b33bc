import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// Batch jobs over the LZ4 archive give the views a streaming run gives over the same
/// events; a range job reads only the segments its range needs.
@Suite struct ArchiveBatchTests {
    /// A view's rows keyed by `key`, values as text, doubles to 9 significant digits (sums
    /// of the same values in another order may differ in the last bits).
    static func keyed(_ rows: [[String: Value]], key: [String]) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for row in rows {
            let text = row.mapValues { value -> String in
                if case .double(let d) = value { return String(format: "%.9g", d) }
                return "\(value)"
            }
            out[key.map { text[$0] ?? "null" }.joined(separator: "|")] = text.filter { $0.key != "updated_at" }
        }
        return out
    }

    static func view(_ memory: MemoryConnectors, _ name: String) throws -> [[String: Value]] {
        try #require(memory.all["views.\(name)"]).upsertedRows
    }

    /// Archives `events` (through the shipped event-archive pipeline) into `directory`.
    static func archive(_ events: String, into directory: String, maxBytes: String = "256KB") throws {
        let spec = try PipelineRunSupport.load(
            "event-archive", events: events, extra: ["DAA_ARCHIVE": "archive:\(directory)?max_bytes=\(maxBytes)"])
        // An epoch every two batches per split: segments roll at commits, so many of them.
        let planned = try PipelinePlanner(catalog: Catalog()).plan(spec)
        var options = RunOptions(workers: 2, partitions: 2)
        options.batchRows = 512
        options.epochEveryBatches = 2
        options.epochIntervalMillis = nil
        let summary = try Job(planned.dataflow, options: options).run()
        #expect(summary.outcome == .completed)
    }

    @Test func agentMetricsOverTheArchiveEqualsTheStreamingView() throws {
        let dir = try TemporaryDirectory()
        let (events, _) = PipelineRunSupport.generator(seed: 31, count: 40_000)
        try Self.archive(events, into: dir.path + "/archive")
        let segments = try ArchiveLayout.segments(in: dir.path + "/archive")
        #expect(segments.count > 2, "several segments, so several splits")

        let (_, streamed) = try PipelineRunSupport.run(try PipelineRunSupport.load("agent-metrics", events: events))
        let (summary, batched) = try PipelineRunSupport.run(
            try PipelineRunSupport.load("agent-metrics", events: "archive:\(dir.path)/archive"))
        #expect(summary.outcome == .completed)
        #expect(summary.duplicates == 0, "the archive holds each event once")
        let key = ["agent_id", "metric", "window_start"]
        let expected = Self.keyed(try Self.view(streamed, "agent_metrics_10s"), key: key)
        let actual = Self.keyed(try Self.view(batched, "agent_metrics_10s"), key: key)
        #expect(expected.count > 500)
        #expect(actual == expected)

        // `splits=` sets how many runs of segments are read at once; the view is the same.
        for splits in [1, 3] {
            let spec = try PipelineRunSupport.load("agent-metrics", events: "archive:\(dir.path)/archive?splits=\(splits)")
            let source = try #require(try PipelinePlanner(catalog: Catalog()).plan(spec).dataflow.sources.first as? ArchiveSource)
            #expect(source.splitCount == splits)
            let (_, memory) = try PipelineRunSupport.run(spec)
            #expect(Self.keyed(try Self.view(memory, "agent_metrics_10s"), key: key) == expected, "splits=\(splits)")
        }
    }

    /// The range covers the middle of the events: only the segments whose index overlaps
    /// it are read (the others' data files are deleted first), and the view equals a
    /// streaming run over exactly the events in the range.
    @Test func aRangeJobReadsOnlyItsSegmentsAndEqualsStreamingTheRange() throws {
        let dir = try TemporaryDirectory()
        // One split, no disorder: event time grows through the archive, so segments cover
        // successive spans and a range needs few of them.
        let events = "generator:daa?seed=32&agents=40&count=40000&late=0&duplicates=0.01&splits=1&disorder=0s"
        var options = DAAGeneratorOptions(seed: 32, agents: 40, limit: .count(40_000), lateFraction: 0, duplicateFraction: 0.01, splits: 1)
        options.disorderMillis = 0
        let archive = dir.path + "/archive"
        try Self.archive(events, into: archive, maxBytes: "128KB")
        let segments = try ArchiveLayout.segments(in: archive)
        let low = segments.compactMap(\.minTime).min()!
        let high = segments.compactMap(\.maxTime).max()!
        let from = low + (high - low) / 3
        let to = low + (high - low) / 2
        let needed = segments.filter { $0.overlaps(from: from, to: to) }
        #expect(needed.count >= 1 && needed.count < segments.count / 2, "\(needed.count) of \(segments.count)")
        for segment in segments where !needed.contains(segment) { try FileManager.default.removeItem(atPath: segment.dataPath) }

        // The events in the range, as an NDJSON file, streamed.
        let inRange = try PipelineRunSupport.generatedEvents(options).filter { row in
            guard case .timestamp(let ts)? = row["ts"] else { return false }
            return ts >= from && ts < to
        }
        var builder = BatchBuilder(schema: DAA.schema)
        for row in inRange { builder.append(values: DAA.schema.fields.map { row[$0.name] ?? .null }) }
        let file = dir.path + "/range.ndjson"
        try Data(DAAGeneratorSource.encodeNDJSON(builder.finish())).write(to: URL(fileURLWithPath: file))
        let (_, streamed) = try PipelineRunSupport.run(try PipelineRunSupport.load("agent-metrics", events: "file:\(file)"))

        let (summary, batched) = try PipelineRunSupport.run(
            try PipelineRunSupport.load("agent-metrics", events: "archive:\(archive)?from=\(from)&to=\(to)"))
        #expect(summary.outcome == .completed)
        let key = ["agent_id", "metric", "window_start"]
        let expected = Self.keyed(try Self.view(streamed, "agent_metrics_10s"), key: key)
        #expect(expected.count > 100)
        #expect(Self.keyed(try Self.view(batched, "agent_metrics_10s"), key: key) == expected)
    }
}

/// The shipped `jobs/daily-report.yaml` over an archive, checked against figures computed
/// here from the generator's distinct events.
@Suite struct DailyReportTests {
    @Test func dailyReportMatchesAnIndependentComputation() throws {
        let dir = try TemporaryDirectory()
        // Two UTC days of event time: 10,000 events/s of virtual time, from 23:59:57.
        let start: Int64 = 1_767_225_600_000 - 3_000
        let events = "generator:daa?seed=41&agents=30&count=50000&late=0&duplicates=0.01&splits=2&start=\(start)"
        let options = DAAGeneratorOptions(
            seed: 41, agents: 30, limit: .count(50_000), startMillis: start, lateFraction: 0, duplicateFraction: 0.01, splits: 2)
        try ArchiveBatchTests.archive(events, into: dir.path + "/archive")
        let spec = try PipelineLoader(environment: [
            "DAA_ARCHIVE_DIR": dir.path + "/archive", "DAA_VIEWS": "memory:views", "DAA_DEAD_LETTER": "memory:dead",
            "RANGE_START": String(start - 86_400_000), "RANGE_END": String(start + 86_400_000),
        ]).load(contentsOf: "\(PipelineRunSupport.pipelinesDirectory)/jobs/daily-report.yaml").get()
        let (summary, memory) = try PipelineRunSupport.run(spec)
        #expect(summary.outcome == .completed)

        struct Day { var events = 0, metrics = 0, patterns = 0, patternOK = 0, workflows = 0, workflowOK = 0 }
        var days: [String: Day] = [:]
        for row in try PipelineRunSupport.distinctEvents(options) {
            guard case .timestamp(let ts)? = row["ts"], case .string(let agent)? = row["agent_id"],
                case .string(let type)? = row["type"]
            else { continue }
            let key = "\(agent)|\(ts - ((ts % 86_400_000) + 86_400_000) % 86_400_000)"
            var day = days[key, default: Day()]
            day.events += 1
            if type == "metric" { day.metrics += 1 }
            if type == "pattern.applied" {
                day.patterns += 1
                if row["success"] == .bool(true) { day.patternOK += 1 }
            }
            if type == "workflow.completed" || type == "workflow.failed" {
                day.workflows += 1
                if type == "workflow.completed" { day.workflowOK += 1 }
            }
            days[key] = day
        }
        #expect(Set(days.keys.map { $0.split(separator: "|")[1] }).count == 2, "the events cross midnight")
        let view = try #require(memory.all["views.daily_agent_report"]).upsertedRows
        #expect(view.count == days.count)
        for row in view {
            guard case .string(let agent)? = row["agent_id"], case .timestamp(let day)? = row["window_start"],
                let expected = days["\(agent)|\(day)"]
            else {
                Issue.record("unexpected row \(row)")
                continue
            }
            #expect(row["events"] == .int(Int64(expected.events)))
            #expect(row["metric_events"] == .int(Int64(expected.metrics)))
            #expect(row["pattern_applications"] == .int(Int64(expected.patterns)))
            #expect(row["workflows"] == .int(Int64(expected.workflows)))
            if expected.patterns > 0, case .double(let rate)? = row["pattern_success_rate"] {
                #expect(abs(rate - Double(expected.patternOK) / Double(expected.patterns)) < 1e-9)
            } else {
                #expect(expected.patterns == 0)
            }
            if expected.workflows > 0, case .double(let rate)? = row["workflow_success_rate"] {
                #expect(abs(rate - Double(expected.workflowOK) / Double(expected.workflows)) < 1e-9)
            } else {
                #expect(expected.workflows == 0)
            }
        }
    }
}
