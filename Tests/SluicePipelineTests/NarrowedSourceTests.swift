import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceTestSupport
import Testing

/// A source narrowed to the fields its pipeline reads (`SourceNarrowing`), with its
/// de-duplication id decoded as fingerprints only (`IdFingerprinting`), changes no
/// output: every shipped pipeline writes the same views, late events, alerts and dead
/// letters with narrowing on and off, over input with redeliveries, late events, lines
/// spelled unusually, and bad values in fields no step reads. Dead letters and late
/// events are the events as received.
@Suite struct NarrowedSourceTests {
    /// The shipped files that narrow: all but the archive's, whose sink keeps every field.
    static let narrowing: Set<String> = [
        "agent-metrics", "agent-state", "knowledge-usage", "learning-progress", "pattern-effectiveness",
        "performance-alerts", "workflow-runs",
    ]

    /// Lines no step of any shipped pipeline reads a bad value of, but the whole DAA
    /// schema rejects.
    static let badInUnreadFields = [
        #"{"id":"bad-1","type":"metric","agent_id":"agent-000001","ts":1764000000500,"metric":"tokens","value":3,"tenant":7}"#,
        #"{"id":"bad-2","type":"metric","agent_id":"agent-000002","ts":1764000000600,"metric":"tokens","value":4,"unit":"x","unit":"y"}"#,
        #"{"id":"bad-3","type":"pattern.applied","agent_id":"agent-000003","ts":1764000000700,"pattern":"systems","success":true,"score":0.5,"items":1.5}"#,
    ]

    /// Generated traffic (1 % redelivered, `late` minutes late); every 7th line re-spelled
    /// with spaces and a field outside the schema, plus the bad lines.
    static func writeInput(to path: String, late: Double) throws -> [String] {
        let options = DAAGeneratorOptions(seed: 11, agents: 30, limit: .count(30_000), lateFraction: late, duplicateFraction: 0.01)
        let reader = try DAAGeneratorSource(name: "events", options: options).openSplit(0, resumingAfter: nil)
        var bytes: [UInt8] = []
        while case .data(let batch, _) = try reader.next(maxRows: 4096) { bytes += DAAGeneratorSource.encodeNDJSON(batch) }
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        for i in stride(from: 0, to: lines.count, by: 7) {
            lines[i] = lines[i].replacingOccurrences(of: "\":", with: "\": ").dropLast() + #", "x_extra": {"n": [1, 2]}}"#
        }
        lines.insert(contentsOf: badInUnreadFields, at: 1000)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return lines
    }

    static let fileOutputs = ["DAA_LATE", "DAA_DEAD_LETTER", "DAA_WORKFLOW_ALERTS", "DAA_PERFORMANCE_ALERTS"]

    /// Every output of one run: sorted view rows per view, sorted lines per file.
    static func run(_ name: String, input: String, narrowed: Bool, in directory: TemporaryDirectory) throws
        -> (spec: PipelineSpec, outputs: [String: [String]])
    {
        let folder = directory.path(narrowed ? "narrowed" : "whole")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var environment = ["DAA_EVENTS": "file:\(input)", "DAA_VIEWS": "memory:views", "DAA_ARCHIVE": "memory:archive"]
        for output in fileOutputs { environment[output] = "file:\(folder)/\(output).ndjson" }
        var loader = PipelineLoader(environment: environment)
        loader.narrowsSources = narrowed
        let spec = try loader.load(contentsOf: "\(PipelineRunSupport.pipelinesDirectory)/\(name).yaml").get()
        // One worker: which events are late, and the order sums add up in, then depend
        // on the input alone (with more, on how partitions interleave).
        let (_, memory) = try PipelineRunSupport.run(spec, partitions: 2, workers: 1)
        var outputs: [String: [String]] = [:]
        for (view, sink) in memory.all { outputs[view] = sink.upsertedRows.map(Self.text).sorted() }
        for output in fileOutputs {
            let path = "\(folder)/\(output).ndjson"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            outputs[output] = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
        }
        return (spec, outputs)
    }

    /// Without minutes-late events: which events a window still takes depends on when
    /// watermarks reach it, so only on-time input gives the same rows run after run.
    /// A view row with doubles to 12 digits: a mean over two partitions' rows adds them up
    /// in the order they arrive, which varies in the last bits from run to run.
    static func text(_ row: [String: Value]) -> String {
        row.sorted { $0.key < $1.key }.map { key, value in
            if case .double(let number) = value { return "\(key)=\(String(format: "%.12g", number))" }
            return "\(key)=\(value)"
        }.joined(separator: ",")
    }

    @Test(arguments: ShippedPipelinesTests.files.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent })
    func everyOutputIsTheSameNarrowedOrNot(_ name: String) throws {
        try TemporaryDirectory.with { directory in
            let input = directory.path("events.ndjson")
            let lines = try Self.writeInput(to: input, late: 0)
            let whole = try Self.run(name, input: input, narrowed: false, in: directory)
            let narrowed = try Self.run(name, input: input, narrowed: true, in: directory)
            #expect(whole.spec.sources.allSatisfy { $0.narrowedFrom == nil })
            #expect(narrowed.spec.sources.contains { $0.narrowedFrom != nil } == Self.narrowing.contains(name), "\(name)")
            // Each of them also de-duplicates by an id nothing else reads: decoded as fingerprints only.
            #expect(whole.spec.sources.allSatisfy { $0.fingerprintedIds.isEmpty })
            #expect(narrowed.spec.sources.contains { $0.fingerprintedIds == ["id"] } == Self.narrowing.contains(name), "\(name)")
            #expect(narrowed.outputs.keys.sorted() == whole.outputs.keys.sorted())
            for (output, rows) in whole.outputs {
                let other = narrowed.outputs[output] ?? []
                #expect(other == rows, "\(name): \(output) differs: \(Array(Set(rows).subtracting(other)).sorted().prefix(2)) vs \(Array(Set(other).subtracting(rows)).sorted().prefix(2))")
            }
            try Self.expectEventsAsReceived(narrowed.outputs, lines: lines, name)
        }
    }

    @Test(arguments: ["agent-metrics", "workflow-runs", "pattern-effectiveness"])
    func lateEventsAndDeadLettersOfANarrowedSourceAreTheLinesReceived(_ name: String) throws {
        try TemporaryDirectory.with { directory in
            let input = directory.path("events.ndjson")
            let lines = try Self.writeInput(to: input, late: 0.01)
            let narrowed = try Self.run(name, input: input, narrowed: true, in: directory)
            #expect(narrowed.spec.sources.allSatisfy { $0.narrowedFrom != nil && $0.keepsRecords })
            try Self.expectEventsAsReceived(narrowed.outputs, lines: lines, name)
            if name == "agent-metrics" {
                let late = narrowed.outputs["DAA_LATE"] ?? []
                #expect(late.contains { $0.contains("x_extra") }, "no re-spelled late event")
            }
        }
    }

    /// Dead letters hold the bad lines and every redelivery, each as the line received;
    /// late events are lines received.
    static func expectEventsAsReceived(_ outputs: [String: [String]], lines: [String], _ name: String) throws {
        let deadLetters = try #require(outputs["DAA_DEAD_LETTER"])
        let raws = try deadLetters.map { line -> String in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object?["raw"] as? String)
        }
        for bad in badInUnreadFields { #expect(raws.contains(bad), "\(name): \(bad) is not a dead letter") }
        let received = Set(lines)
        #expect(raws.allSatisfy { received.contains($0) }, "\(name): a dead letter is not a line of the input")
        #expect(raws.contains { $0.contains("x_extra") }, "\(name): no re-spelled redelivery among the dead letters")
        if let late = outputs["DAA_LATE"] {
            #expect(late.allSatisfy { received.contains($0) }, "\(name): a late event is not a line of the input")
        }
    }

    static func load(_ text: String) throws -> PipelineSpec {
        try PipelineLoader(environment: [:]).load(text: text).get()
    }

    /// A union fills the fields an input lacks with nulls: cutting `metric` and `value`
    /// from `extra` would null them in the rows the sink writes, whose schema is the same.
    @Test func aUnionInputKeepsTheFieldsTheUnionHasFromOthers() throws {
        let spec = try Self.load(
            """
            pipeline: union-of-two
            sources:
              samples: { uri: "file:a.ndjson", schema: w1, event_time: { field: ts } }
              extra: { uri: "file:b.ndjson", schema: { agent_id: string, metric: string, value: double, ts: timestamp }, event_time: { field: ts } }
            nodes:
              all: { union: [samples, extra] }
            sinks:
              out: { from: all, uri: "file:out.ndjson" }
            dead_letter: { uri: "file:dead.ndjson" }
            """)
        #expect(spec.sources.allSatisfy { $0.narrowedFrom == nil })
    }

    /// A join's checkpoint holds its input rows, so their schema must not follow the
    /// fields read downstream (a restore of an older checkpoint would refuse them).
    @Test func joinInputsAreNotNarrowed() throws {
        let spec = try Self.load(
            """
            pipeline: joined
            sources:
              left: { uri: "file:l.ndjson", event_time: { field: ts } }
              right: { uri: "file:r.ndjson", event_time: { field: ts } }
            nodes:
              keyed: { from: left, key_by: agent_id }
              matched:
                join: { left: keyed, right: right, on: [agent_id], interval: { lower: 0s, upper: 1m }, prefixes: { left: "l_", right: "r_" } }
              counted: { from: matched, key_by: [l_agent_id], window: { tumbling: 1m }, aggregate: { n: count() } }
            sinks:
              view: { from: counted, uri: "memory:v", key: [l_agent_id, window_start] }
            dead_letter: { uri: "file:dead.ndjson" }
            """)
        #expect(spec.sources.allSatisfy { $0.narrowedFrom == nil })
    }

    /// An archive source filters rows by its time field: narrowing keeps it.
    @Test func anArchiveKeepsTheFieldItFiltersRowsBy() throws {
        let spec = try Self.load(
            """
            pipeline: archived
            source: { uri: "archive:/tmp/none?time_field=received_at", schema: { id: string, received_at: timestamp, ts: timestamp, value: double, note: string } }
            event_time: { field: ts, max_out_of_orderness: 1s }
            steps:
              - filter: "value > 1"
              - key_by: [id]
              - window: { tumbling: 1m }
              - aggregate: { n: count() }
            sink: { uri: "memory:v", key: [id, window_start] }
            dead_letter: { uri: "file:dead.ndjson" }
            """)
        let source = try #require(spec.sources.first)
        #expect(source.narrowedFrom != nil)
        #expect(Set(source.schema.names) == ["id", "received_at", "ts", "value"])
        #expect(source.checkedFields.map(\.name) == ["note"])
    }
}
