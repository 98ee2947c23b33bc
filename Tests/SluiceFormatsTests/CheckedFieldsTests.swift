import SluiceConnectors
import SluiceCore
import Testing

@testable import SluiceFormats

/// A decoder that keeps a few fields and checks the rest (`DecoderOptions.checkedFields`)
/// accepts and rejects exactly what the whole schema's decoder does, with the same
/// reasons, and its rows are the whole decoder's rows cut to the kept fields.
@Suite struct CheckedFieldsTests {
    static let kept = ["id", "type", "agent_id", "ts", "metric", "value"]

    /// Records whose only problem is in a field the narrow decoder does not keep.
    static let badInUnkeptFields = [
        #"{"id":"b-1","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"learning_rate":"fast"}"#,
        #"{"id":"b-2","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"items":1.5}"#,
        #"{"id":"b-3","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"hit":"yes"}"#,
        #"{"id":"b-4","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"tenant":"x","tenant":"y"}"#,
        #"{"id":"b-5","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"unit":7}"#,
        #"{"id":"b-6","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"gain":1e999}"#,
        #"{"id":"b-7","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"steps":99999999999999999999}"#,
        #"{"id":"b-8","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"success":null,"score":true}"#,
    ]

    /// Records the narrow decoder must accept although they spell unkept fields unusually.
    static let goodInUnkeptFields = [
        #"{"id":"g-1","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"unit":"m\u00e9tre \"x\""}"#,
        #"{"id":"g-2","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"gain":-0.5e1,"steps":12}"#,
        #"{"id":"g-3","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"capabilities":["x",{"y":1}]}"#,
        #"{"id":"g-4","type":"metric","agent_id":"a","ts":1764000000000,"metric":"tokens","value":1,"hit":false,"tenant":null}"#,
    ]

    static func decoders(fastPath: Bool) -> (whole: JSONBatchDecoder, narrow: JSONBatchDecoder) {
        var options = DecoderOptions(maxRecordBytes: 300, allowedTypes: DAA.eventTypes)
        var whole = JSONBatchDecoder(schema: DAA.schema, required: DAA.requiredFields, options: options)
        let narrowSchema = Schema(DAA.schema.fields.filter { kept.contains($0.name) })
        options.checkedFields = DAA.schema.fields.filter { !kept.contains($0.name) }
        var narrow = JSONBatchDecoder(schema: narrowSchema, required: DAA.requiredFields, options: options)
        whole.usesFastPath = fastPath
        narrow.usesFastPath = fastPath
        return (whole, narrow)
    }

    static func rejections(_ result: (Batch, [Rejection])) -> [String] {
        result.1.map { "\($0.line ?? -1)@\($0.position?.offset ?? -1): \($0.reason) \($0.raw)" }
    }

    static func compare(_ input: [UInt8], fastPath: Bool) {
        var (whole, narrow) = decoders(fastPath: fastPath)
        let a = decodeLines(input, with: &whole, firstLine: 1, baseOffset: 3)
        let b = decodeLines(input, with: &narrow, firstLine: 1, baseOffset: 3)
        #expect(b.0.schema.names == kept)
        #expect(rejections(b) == rejections(a))
        #expect(rowTexts(b.0) == rowTexts(a.0.project(kept)))
    }

    @Test(arguments: [true, false])
    func problemsInUnkeptFieldsAreStillRejected(fastPath: Bool) {
        var (whole, narrow) = Self.decoders(fastPath: fastPath)
        let input = Array((Self.badInUnkeptFields + Self.goodInUnkeptFields).joined(separator: "\n").utf8)
        let a = decodeLines(input, with: &whole)
        let b = decodeLines(input, with: &narrow)
        #expect(b.1.count == Self.badInUnkeptFields.count)
        #expect(Self.rejections(b) == Self.rejections(a))
        #expect(b.0.count == Self.goodInUnkeptFields.count)
        #expect(rowTexts(b.0) == rowTexts(a.0.project(Self.kept)))
    }

    @Test(arguments: [true, false])
    func mutatedLinesAgreeWithTheWholeSchema(fastPath: Bool) {
        var rng = SplitMix64(seed: 77)
        let samples = DecoderFuzzTests.samples + Self.badInUnkeptFields + Self.goodInUnkeptFields
        for _ in 0..<40 {
            var input: [UInt8] = []
            for _ in 0..<200 {
                let sample = Array(samples.randomElement(using: &rng)!.utf8)
                input += (Bool.random(using: &rng) ? sample : DecoderFuzzTests.mutate(sample, &rng)) + [0x0A]
            }
            Self.compare(input, fastPath: fastPath)
        }
    }

    @Test func theTimeRangeIsCheckedOnAnUnkeptTimeField() {
        var options = DecoderOptions(timeField: "at")
        options.checkedFields = [Field("at", .timestamp)]
        var decoder = JSONBatchDecoder(schema: Schema([Field("v", .int64)]), required: [], options: options)
        let (batch, rejected) = decodeLines(Array(#"{"v":1,"at":5}\#n{"v":2,"at":1764000000000}"#.utf8), with: &decoder)
        #expect(batch.count == 1)
        #expect(rejected.map(\.line) == [1])
    }
}
