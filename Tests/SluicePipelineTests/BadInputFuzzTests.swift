import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// Bad input must never stop a pipeline: every line of the input is either counted as an
/// event or dead-lettered with its reason, in every shipped pipeline.
@Suite struct BadInputFuzzTests {
    /// The line from the report: `metric` misspelled, so the view's key column is null.
    static let misspelledKey =
        #"{"id":"x1","type":"metric","agent_id":"agent-000123","ts":1764000003065,"meDric":"errors","value":2.469}"#

    /// 20,000 generated DAA events, about a third of them damaged in one of many ways.
    static func mutatedInput() throws -> [String] {
        let options = DAAGeneratorOptions(seed: 11, agents: 30, limit: .count(20_000), splits: 1)
        let source = try DAAGeneratorSource(name: "events", options: options)
        let reader = try source.openSplit(0, resumingAfter: nil)
        var lines: [String] = []
        reading: while true {
            switch try reader.next(maxRows: 4096) {
            case .data(let batch, _):
                let text = String(decoding: DAAGeneratorSource.encodeNDJSON(batch), as: UTF8.self)
                lines += text.split(separator: "\n").map(String.init)
            case .idle: continue
            case .end: break reading
            }
        }
        var random = SplitMix64(seed: 99)
        let fields = ["id", "type", "agent_id", "ts", "metric", "value", "workflow_id", "pattern", "domain", "success"]
        for i in lines.indices where random.next() % 3 == 0 {
            let field = fields[Int(random.next() % UInt64(fields.count))]
            let line = lines[i]
            switch random.next() % 8 {
            case 0: lines[i] = line.replacingOccurrences(of: "\"\(field)\":", with: "\"\(field.uppercased())x\":")
            case 1: lines[i] = line.replacingOccurrences(of: "\"\(field)\":", with: "\"\(field)\":null,\"_\":")
            case 2: lines[i] = line.replacingOccurrences(of: "\"\(field)\":", with: "\"\(field)\":\"12\",\"_\":")
            case 3: lines[i] = String(line.prefix(Int(random.next() % UInt64(max(1, line.count)))))
            case 4: lines[i] = line.replacingOccurrences(of: "\"\(field)\":", with: "\"\(field)\":[1,{}],\"_\":")
            case 5: lines[i] = line.replacingOccurrences(of: "\"ts\":", with: "\"ts\":\"yesterday\",\"_\":")
            case 6: lines[i] = "[" + line + "]"
            default: lines[i] = line.replacingOccurrences(of: "\"\(field)\":", with: "\"\(field)\":1e999,\"_\":")
            }
        }
        lines.insert(misspelledKey, at: lines.count / 2)
        return lines
    }

    @Test(.timeLimit(.minutes(5)))
    func everyShippedPipelineCountsOrDeadLettersEveryLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-fuzz-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = try Self.mutatedInput()
        let input = directory.appendingPathComponent("events.ndjson").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let names = try FileManager.default.contentsOfDirectory(atPath: ShippedPipelinesTests.directory)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count >= 8)
        for name in names.map({ String($0.dropLast(5)) }) {
            let deadLetters = directory.appendingPathComponent("\(name).dead.ndjson").path
            let spec = try PipelineRunSupport.load(
                name, events: "file:\(input)", extra: ["DAA_DEAD_LETTER": "file:\(deadLetters)"])
            let summary: RunSummary
            do {
                summary = try PipelineRunSupport.run(spec).0
            } catch {
                Issue.record("\(name): bad input stopped the run: \(error)")
                continue
            }
            #expect(summary.outcome == .completed, "\(name)")
            let decodeRejections = Self.deadLetterReasons(deadLetters).filter { !$0.hasPrefix("key column") }
            let recorded = Self.deadLetterReasons(deadLetters).filter { !$0.contains("duplicate") }
            // Every line: decoded into an event, or rejected by the decoder.
            #expect(summary.eventsIn + Int64(decodeRejections.filter { !$0.contains("duplicate") }.count) == Int64(lines.count), "\(name)")
            // Every rejection counted in the summary is in the dead-letter file with its reason.
            #expect(Int64(recorded.count) == summary.rejected, "\(name)")
        }
        let metricsDead = Self.deadLetterReasons(directory.appendingPathComponent("agent-metrics.dead.ndjson").path)
        #expect(metricsDead.contains { $0.hasPrefix("key column 'metric' is null") })
    }

    /// The `reason` of every dead-letter record in `path`.
    static func deadLetterReasons(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["reason"] as? String
        }
    }
}
