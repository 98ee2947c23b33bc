import Foundation
import SluiceConnectors
import SluiceCore
import SluiceExpr
import SluiceFormats
import SluiceOperators
import SluiceRuntime
import SluiceTestSupport
import Testing

/// Every bad-input kind of daa-events.md, mixed with good events in one file, through a
/// running job: each bad line lands in the dead-letter file with its reason, every good
/// line is aggregated, and the counts add up.
@Suite struct BadInputTests {
    static let good = (0..<40).map { i in
        #"{"id":"g-\#(i)","type":"metric","agent_id":"agent-\#(i % 4)","ts":\#(1_764_000_000_000 + Int64(i) * 100),"metric":"latency_ms","value":\#(i).5}"#
    }

    static let bad: [(line: String, reason: String)] = [
        ("this is not json", "invalid JSON"),
        (#"["an","array"]"#, "record is a JSON array, expected an object"),
        (#"{"id":"b-1","type":"metric","ts":1764000000000,"metric":"x","value":1}"#, "missing required field 'agent_id'"),
        (#"{"id":"b-2","agent_id":"agent-1","ts":1764000000000,"metric":"x","value":1}"#, "missing required field 'type'"),
        (#"{"id":"b-3","type":"metric","agent_id":"agent-1","metric":"x","value":1}"#, "missing required field 'ts'"),
        (#"{"id":"b-4","type":"metric","agent_id":"agent-1","ts":1764000000000,"metric":"x","value":"12"}"#, "field 'value' is a string, expected double"),
        (#"{"id":"b-5","type":"metric","agent_id":"agent-1","ts":"yesterday","metric":"x","value":1}"#, "field 'ts' is not a valid timestamp"),
        (#"{"id":"b-6","type":"metric","agent_id":"agent-1","ts":1764000000000,"metric":"x","value":NaN}"#, "NaN is not a JSON number"),
        (#"{"id":"b-7","type":"metric","agent_id":"agent-1","ts":1764000000000,"metric":"x","value":Infinity}"#, "Infinity is not a JSON number"),
        ("", "empty record"),
        (#"{"id":"b-9","type":"made.up","agent_id":"agent-1","ts":1764000000000}"#, "unknown event type 'made.up'"),
        (#"{"id":"b-10","type":"metric","agent_id":"agent-1","ts":0,"metric":"x","value":1}"#, "is outside the accepted range"),
        (#"{"id":"b-11","type":"metric","agent_id":"agent-1","ts":9999999999999,"metric":"x","value":1}"#, "is outside the accepted range"),
    ]

    @Test func badLinesGoToTheDeadLetterFileAndGoodLinesAreAllProcessed() throws {
        let directory = try TemporaryDirectory(prefix: "bad-input")
        var lines: [[UInt8]] = []
        var goodIterator = Self.good.makeIterator()
        for (line, _) in Self.bad {
            lines.append(Array(goodIterator.next()!.utf8))
            lines.append(Array(line.utf8))
        }
        // Invalid UTF-8 and a record beyond the size limit.
        lines.append(Array(#"{"id":"b-u","type":"metric","agent_id":"agent-"#.utf8) + [0xff, 0xfe] + Array(#"","ts":1764000000000}"#.utf8))
        lines.append(Array(#"{"id":"b-big","type":"metric","agent_id":"agent-1","pad":""#.utf8) + [UInt8](repeating: 0x61, count: 70_000) + Array(#""}"#.utf8))
        while let next = goodIterator.next() { lines.append(Array(next.utf8)) }
        let input = directory.path("events.ndjson")
        _ = FileManager.default.createFile(atPath: input, contents: Data(lines.joined(separator: [0x0A]) + [0x0A]))

        var options = DecoderOptions(maxRecordBytes: 64 << 10, allowedTypes: DAA.eventTypes)
        options.timeField = "ts"
        let source = try NDJSONFileSource(
            name: "events", path: input, schema: DAA.schema, required: DAA.requiredFields, options: options, splits: 2,
            batchRows: 7)
        let flow = Dataflow(name: "bad-input")
        let value = try Expr.compile("value", schema: DAA.schema)
        let (rows, late) = flow.stream(source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 60_000))
            .keyBy(["agent_id"]).window(.tumbling(sizeMillis: 60_000))
            .aggregate([AggregateSpec("n", .count), AggregateSpec("total", .sum, value)])
        let view = MemorySink(name: "view")
        rows.sink("view", view, mode: .upsert(key: ["agent_id", "window_start"]))
        late.sink("late", MemorySink(name: "late"), mode: .append)
        let deadLetterPath = directory.path("dead-letter.ndjson")
        var run = RunOptions(workers: 2, partitions: 3)
        run.deadLetter = DeadLetterFileSink(path: deadLetterPath, pipeline: "bad-input")
        let summary = try Job(flow, options: run).run()

        #expect(summary.eventsIn == Int64(Self.good.count))
        #expect(summary.rejected == Int64(Self.bad.count + 2))
        let counted = view.upsertedRows.reduce(Int64(0)) { $0 + $1["n"]!.asInt! }
        #expect(counted == Int64(Self.good.count))
        let expectedTotal = (0..<Self.good.count).reduce(0.0) { $0 + Double($1) + 0.5 }
        let total = view.upsertedRows.reduce(0.0) { $0 + $1["total"]!.asDouble! }
        #expect(abs(total - expectedTotal) < 1e-9)

        let deadLetters = try String(contentsOfFile: deadLetterPath, encoding: .utf8).split(separator: "\n")
        #expect(deadLetters.count == Self.bad.count + 2)
        let records = try deadLetters.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let reasons = records.map { $0["reason"] as! String }
        for (_, reason) in Self.bad {
            #expect(reasons.contains { $0.contains(reason) }, "no dead letter says '\(reason)'")
        }
        #expect(reasons.contains { $0.contains("invalid UTF-8") })
        #expect(reasons.contains { $0.contains("exceeds the limit") })
        #expect(records.allSatisfy { $0["pipeline"] as? String == "bad-input" && $0["line"] is Int })
    }
}
