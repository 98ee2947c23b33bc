import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// The archive keeps events exactly as received: each line is the input record's bytes,
/// whatever its spelling; records that could not be decoded are dead-lettered, not archived.
@Suite struct ArchiveRawRecordsTests {
    /// Spellings the canonical encoder would change: spaces, key order, escapes, raw
    /// unicode, exponents and trailing zeros, unknown fields, an RFC 3339 time.
    static func oddLine(_ i: Int) -> String {
        let agent = String(format: "agent-%06d", i % 17)
        let ts = 1_764_000_000_000 + Int64(i) * 37
        switch i % 6 {
        case 0:
            return #"{ "id" : "e-\#(i)", "type":"metric" ,"agent_id":"\#(agent)", "ts": \#(ts), "metric":"latency_ms", "value": 1.50e3 }"#
        case 1:
            return #"{"value":12.50,"unit":"ms","ts":\#(ts),"metric":"tokens","agent_id":"\#(agent)","type":"metric","id":"e-\#(i)"}"#
        case 2:
            return #"{"id":"e-\#(i)","type":"agent.adapted","agent_id":"\#(agent)","ts":\#(ts),"performance_score":0.5000,"cognitive_pattern":"adaptive","feedback":"said \"hi\" \u00e9 \/ \t tab"}"#
        case 3:
            return #"{"id":"e-\#(i)","type":"agent.adapted","agent_id":"\#(agent)","ts":\#(ts),"performance_score":-0.0,"feedback":"zürich ✓ 日本 🚀"}"#
        case 4:
            return #"{"id":"e-\#(i)","type":"pattern.applied","agent_id":"\#(agent)","ts":\#(ts),"pattern":"systems","success":true,"score":8.2E-1,"extra":{"a":[1,2,{"b":null}]}}"#
        default:
            let seconds = 1_764_000_000 + i
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let text = ISO8601DateFormatter().string(from: date)
            return "{\"id\":\"e-\(i)\",\"type\":\"metric\",\"agent_id\":\"\(agent)\",\"ts\":\"\(text)\",\"metric\":\"score\",\"value\":100}"
        }
    }

    /// Every archived line, segment by segment, frame by frame.
    static func archivedLines(_ directory: String) throws -> [String] {
        var lines: [String] = []
        for segment in try ArchiveLayout.segments(in: directory) {
            let reader = try ArchiveSegmentReader(segment: segment)
            defer { reader.close() }
            let bytes = try reader.readAll()
            #expect(bytes.last == 0x0A, "every archived record ends its line")
            lines += bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        return lines
    }

    static func runArchive(input: String, archive: String, deadLetter: String) throws -> RunSummary {
        let spec = try PipelineRunSupport.load(
            "event-archive", events: "file:\(input)?splits=2",
            extra: ["DAA_ARCHIVE": "archive:\(archive)?max_bytes=16KB", "DAA_DEAD_LETTER": "file:\(deadLetter)"])
        let memory = MemoryConnectors()
        let planned = try PipelinePlanner(catalog: Catalog(memory: memory)).plan(spec)
        var options = RunOptions(workers: 2, partitions: 2)
        options.batchRows = 300
        options.epochEveryBatches = 2
        options.epochIntervalMillis = nil
        options.deadLetter = planned.deadLetter
        return try Job(planned.dataflow, options: options).run()
    }

    @Test func nonCanonicalInputIsArchivedByteForByte() throws {
        let dir = try TemporaryDirectory()
        let good = (0..<3_000).map(Self.oddLine)
        var input = ""
        for (i, line) in good.enumerated() {
            input += line + "\n"
            if i % 500 == 7 { input += "not json at \(i)\n" }
            if i % 700 == 3 { input += #"{"id":"bad-\#(i)","type":"metric"}"# + "\n" }
        }
        try input.write(toFile: dir.path + "/in.ndjson", atomically: true, encoding: .utf8)
        let summary = try Self.runArchive(
            input: dir.path + "/in.ndjson", archive: dir.path + "/archive", deadLetter: dir.path + "/dead.ndjson")
        #expect(summary.outcome == .completed)
        let archived = try Self.archivedLines(dir.path + "/archive")
        #expect(try ArchiveLayout.segments(in: dir.path + "/archive").count > 1)
        // Partitions interleave rows, so compare as multisets; each split's rows keep their order per agent.
        #expect(archived.count == good.count)
        #expect(archived.sorted() == good.sorted())
        #expect(archived.joined().utf8.count == good.joined().utf8.count)
    }

    /// Rejected records stay out of the archive (it holds events a job can decode; a
    /// garbage line would be rejected again by every job reading it): they are in the
    /// dead letters with their bytes as received, and `sluice replay` sends them through
    /// the pipeline, archive included, once fixed.
    @Test func rejectedRecordsAreDeadLetteredNotArchived() throws {
        let dir = try TemporaryDirectory()
        let bad = ["not json", #"{"id":"x-1","type":"metric"}"#, #"{"id":"x-2","type":"metric","agent_id":"a","ts":"yesterday"}"#]
        var input = ""
        for i in 0..<600 {
            input += Self.oddLine(i) + "\n"
            if i % 200 == 5 { input += bad[i / 200] + "\n" }
        }
        try input.write(toFile: dir.path + "/in.ndjson", atomically: true, encoding: .utf8)
        let summary = try Self.runArchive(
            input: dir.path + "/in.ndjson", archive: dir.path + "/archive", deadLetter: dir.path + "/dead.ndjson")
        #expect(summary.outcome == .completed)
        let archived = try Self.archivedLines(dir.path + "/archive")
        #expect(archived.count == 600)
        for line in bad { #expect(!archived.contains(line)) }
        let dead = try String(contentsOfFile: dir.path + "/dead.ndjson", encoding: .utf8)
            .split(separator: "\n").map { line -> String in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return object?["raw"] as? String ?? ""
            }
        #expect(dead.sorted() == bad.sorted())
    }

    /// A map changes the rows: the archive after it keeps the mapped rows (canonical
    /// form), not the events they came from, although the batches still carry those
    /// (marked not exact) for late outputs and dead letters.
    @Test func rowsChangedByAMapAreArchivedAsMapped() throws {
        let dir = try TemporaryDirectory()
        let input = (0..<60).map(Self.oddLine).joined(separator: "\n") + "\n"
        try input.write(toFile: dir.path + "/in.ndjson", atomically: true, encoding: .utf8)
        let text = """
            pipeline: mapped-archive
            source: { uri: "file:\(dir.path)/in.ndjson", format: json }
            event_time: { field: ts, max_out_of_orderness: 5s }
            dedupe: { field: id, horizon: 10m }
            steps:
              - map: { tagged: "'yes'" }
            sink: { uri: "archive:\(dir.path)/archive", mode: append }
            dead_letter: { uri: "file:\(dir.path)/dead.ndjson" }
            """
        let spec = try PipelineLoader(environment: [:]).load(text: text).get()
        #expect(spec.sources[0].keepsRecords, "de-duplication's dead letters keep the events")
        let planned = try PipelinePlanner().plan(spec)
        var options = RunOptions(workers: 2, partitions: 2)
        options.deadLetter = planned.deadLetter
        #expect(try Job(planned.dataflow, options: options).run().outcome == .completed)
        let archived = try Self.archivedLines(dir.path + "/archive")
        #expect(archived.count == 60)
        #expect(archived.allSatisfy { $0.contains(#""tagged":"yes""#) })
        #expect(Set(archived).isDisjoint(with: input.split(separator: "\n").map(String.init)))
    }
}
