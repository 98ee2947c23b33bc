import SluiceConnectors
import SluiceCore
import Testing

@testable import SluiceFormats

/// No byte sequence crashes the decoder or loses a line, and the fast path agrees with
/// the general parser on everything.
@Suite struct DecoderFuzzTests {
    static let samples = [
        #"{"id":"e-1","type":"agent.created","agent_id":"agent-000123","ts":1764000000000,"cognitive_pattern":"systems","learning_rate":0.001,"capabilities":["optimization","resource_management"]}"#,
        #"{"id":"e-2","type":"metric","agent_id":"agent-000123","ts":1764000000123,"metric":"latency_ms","value":12.5,"unit":"ms"}"#,
        #"{"id":"e-3","type":"pattern.applied","agent_id":"agent-000123","ts":1764000001000,"pattern":"systems","success":true,"score":0.82}"#,
        #"{"id":"e-4","type":"agent.adapted","agent_id":"agent-000123","ts":"2026-11-24T10:00:00.123+01:00","performance_score":0.61,"cognitive_pattern":"adaptive","feedback":"too \"slow\" \u00e9"}"#,
        #"{"id":"e-5","type":"workflow.started","agent_id":"agent-000123","ts":1764000003000,"workflow_id":"wf-77","steps":3,"strategy":"sequential"}"#,
        #"{"id": "e-7", "type": "metric", "agent_id": "agent-000002", "ts": 1764000003002, "metric": "tokens", "value": 7, "unit": null}"#,
        #"{"id":"e-6","type":"knowledge.retrieved","agent_id":"agent-000001","ts":1764000003001,"domain":"video_analysis","latency_ms":-0.5e1,"hit":false,"tenant":null}"#,
    ]

    static func mutate(_ line: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = line
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !bytes.isEmpty else { break }
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.remove(at: i)
            case 2: bytes.insert(Array(#"{}[]",:\ 0e-.n"#.utf8).randomElement(using: &rng)!, at: i)
            case 3: bytes.removeLast(bytes.count - i)
            case 4: bytes.insert(contentsOf: bytes[i..<min(bytes.count, i + 12)], at: i)
            case 5: bytes[i] = bytes[i] ^ 0x80
            default: bytes.insert(contentsOf: Array("NaN".utf8), at: i)
            }
        }
        return bytes.filter { $0 != 0x0A }
    }

    /// Everything observable about a decode, for comparing two decoders.
    static func observe(_ result: (Batch, [Rejection])) -> [String] {
        rowTexts(result.0) + result.1.map { "\($0.line ?? -1)@\($0.position?.offset ?? -1): \($0.reason) \($0.raw)" }
    }

    static func lineCount(_ bytes: [UInt8]) -> Int {
        bytes.filter { $0 == 0x0A }.count + (bytes.last.map { $0 != 0x0A } ?? false ? 1 : 0)
    }

    @Test(arguments: [DAA.schema, DAA.metricSampleSchema])
    func mutatedLinesNeverCrashAndBothPathsAgree(schema: Schema) {
        var rng = SplitMix64(seed: 1234)
        let options = DecoderOptions(maxRecordBytes: 300, allowedTypes: DAA.eventTypes)
        var fast = JSONBatchDecoder(schema: schema, required: DAA.requiredFields, options: options)
        var general = fast
        general.usesFastPath = false
        for round in 0..<60 {
            var input: [UInt8] = []
            for _ in 0..<200 {
                let sample = Array(Self.samples.randomElement(using: &rng)!.utf8)
                let line = Int.random(in: 0..<3, using: &rng) == 0 ? sample : Self.mutate(sample, &rng)
                input += line + (Int.random(in: 0..<10, using: &rng) == 0 ? [0x0D, 0x0A] : [0x0A])
            }
            if round % 2 == 0 { input.removeLast() }
            let a = decodeLines(input, with: &fast, firstLine: 1, baseOffset: 7)
            let b = decodeLines(input, with: &general, firstLine: 1, baseOffset: 7)
            #expect(a.0.count + a.1.count == Self.lineCount(input))
            #expect(Self.observe(a) == Self.observe(b))
            #expect(a.0.count > 0)
        }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 99)
        var decoder = JSONBatchDecoder(
            schema: DAA.schema, required: DAA.requiredFields, options: DecoderOptions(allowedTypes: DAA.eventTypes))
        var general = decoder
        general.usesFastPath = false
        let alphabet = Array(#"{}[]":,"0123456789-+.eE truefalsnl\u\"#.utf8) + [0x0A, 0x0D, 0x09, 0x00, 0xC3, 0xA9, 0xFF, 0xED]
        for round in 0..<300 {
            let count = Int.random(in: 0..<400, using: &rng)
            let bytes: [UInt8] = (0..<count).map { _ in
                round % 2 == 0 ? UInt8.random(in: 0...255, using: &rng) : alphabet.randomElement(using: &rng)!
            }
            let lines = decodeLines(bytes, with: &decoder)
            #expect(lines.0.count + lines.1.count == Self.lineCount(bytes))
            #expect(Self.observe(lines) == Self.observe(decodeLines(bytes, with: &general)))
            let messages = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
            let positions = messages.indices.map { SourcePosition(source: "m", split: 0, offset: Int64($0)) }
            let decoded = decoder.decodeMessages(messages, positions: positions)
            #expect(decoded.0.count + decoded.1.count == messages.count)
            #expect(Self.observe(decoded) == Self.observe(general.decodeMessages(messages, positions: positions)))
        }
    }

    @Test func mutatedMessagesAgreeOnBothPaths() {
        var rng = SplitMix64(seed: 4321)
        var fast = JSONBatchDecoder(
            schema: DAA.schema, required: DAA.requiredFields, options: DecoderOptions(allowedTypes: DAA.eventTypes))
        var general = fast
        general.usesFastPath = false
        for _ in 0..<40 {
            let messages: [[UInt8]] = (0..<100).map { _ in
                let sample = Array(Self.samples.randomElement(using: &rng)!.utf8)
                return Bool.random(using: &rng) ? sample : Self.mutate(sample, &rng)
            }
            let positions = messages.indices.map { SourcePosition(source: "m", split: 1, offset: Int64($0)) }
            let a = fast.decodeMessages(messages, positions: positions)
            #expect(a.0.count + a.1.count == messages.count)
            #expect(Self.observe(a) == Self.observe(general.decodeMessages(messages, positions: positions)))
        }
    }
}
