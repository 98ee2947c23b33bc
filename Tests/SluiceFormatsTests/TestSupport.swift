import SluiceConnectors
import SluiceCore
import SluiceFormats

/// A small seeded generator so randomized tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Decodes `bytes` as lines starting at line 1, offset 0.
func decodeLines(
    _ bytes: [UInt8], with decoder: inout JSONBatchDecoder, firstLine: Int64 = 1, baseOffset: Int64 = 0
) -> (Batch, [Rejection]) {
    bytes.withUnsafeBytes {
        decoder.decodeLines($0, firstLine: firstLine, source: "test", split: 0, baseOffset: baseOffset)
    }
}

func decodeLines(
    _ text: String, schema: Schema = DAA.metricSampleSchema, required: Set<String> = [],
    options: DecoderOptions = .init()
) -> (Batch, [Rejection]) {
    var decoder = JSONBatchDecoder(schema: schema, required: required, options: options)
    return decodeLines(Array(text.utf8), with: &decoder)
}

/// Decodes one line and returns its single rejection reason, or nil when it was accepted.
func reason(
    of line: String, schema: Schema = DAA.schema, required: Set<String> = DAA.requiredFields,
    options: DecoderOptions = .init(allowedTypes: DAA.eventTypes)
) -> String? {
    reason(of: Array(line.utf8), schema: schema, required: required, options: options)
}

func reason(
    of line: [UInt8], schema: Schema = DAA.schema, required: Set<String> = DAA.requiredFields,
    options: DecoderOptions = .init(allowedTypes: DAA.eventTypes)
) -> String? {
    var decoder = JSONBatchDecoder(schema: schema, required: required, options: options)
    let (batch, rejections) = decodeLines(line, with: &decoder)
    precondition(batch.count + rejections.count == 1, "one line gives one row or one rejection")
    return rejections.first?.reason
}

/// Rows as sortable text, for comparing multisets of rows.
func rowTexts(_ batch: Batch) -> [String] {
    (0..<batch.count).map { row in
        batch.schema.names.enumerated().map { i, name in "\(name)=\(batch.value(row: row, column: i))" }
            .joined(separator: ",")
    }
}

/// A W1-style metric line (`workloads.md`).
func metricLine(_ e: UInt64) -> String {
    let m: UInt64 = 1 << 32
    let h1 = (e &* 2_654_435_761) % m
    let h2 = (e &* 2_246_822_519) % m
    let h3 = (e &* 3_266_489_917) % m
    let h4 = (e &* 668_265_263) % m
    let agent = (h1 * 10_000) / m
    let metric = DAA.metricNames[Int((h2 * 8) / m)]
    let cents = (h3 * 100_000) / m
    let ts = 1_764_000_000_000 + Int64(e / 100) - Int64((h4 * 2000) / m)
    let agentText = String(agent)
    let padded = String(repeating: "0", count: 6 - agentText.count) + agentText
    let centsText = cents % 100 < 10 ? "0\(cents % 100)" : "\(cents % 100)"
    return #"{"agent_id":"agent-\#(padded)","metric":"\#(metric)","value":\#(cents / 100).\#(centsText),"ts":\#(ts)}"#
}
