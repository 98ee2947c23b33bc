import SluiceCore
import Testing

@testable import SluiceFormats

/// Decimal text → Double must be correctly rounded, exactly as the standard library parses it.
@Suite struct NumberParsingTests {
    static let schema = Schema([Field("d", .double), Field("i", .int64)])

    /// Decodes each text as the `d` field of one line, fast path and general parser both.
    func parse(_ texts: [String], fastPath: Bool = true) -> [Double?] {
        var decoder = JSONBatchDecoder(schema: Self.schema, required: [])
        decoder.usesFastPath = fastPath
        let input = texts.map { "{\"d\":\($0)}" }.joined(separator: "\n")
        let (batch, rejections) = decodeLines(Array(input.utf8), with: &decoder)
        var out = [Double?](repeating: nil, count: texts.count)
        var row = 0
        var rejected = Set(rejections.compactMap(\.line))
        for i in texts.indices {
            if rejected.remove(Int64(i + 1)) != nil { continue }
            out[i] = batch.columns[0].doubles[row]
            row += 1
        }
        return out
    }

    static func randomDecimal(_ rng: inout SplitMix64) -> String {
        let digits = Int.random(in: 1...24, using: &rng)
        var mantissa = String(Int.random(in: 1...9, using: &rng))
        for _ in 1..<digits { mantissa += String(Int.random(in: 0...9, using: &rng)) }
        let point = Int.random(in: 0...digits, using: &rng)
        var text = point == digits ? mantissa : String(mantissa.prefix(max(point, 1))) + "." + mantissa.dropFirst(max(point, 1))
        if text.hasSuffix(".") { text.removeLast() }
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: text += "e\(Int.random(in: -330...310, using: &rng))"
        case 1: text += "E+\(Int.random(in: 0...40, using: &rng))"
        default: break
        }
        if Bool.random(using: &rng) { text = "-" + text }
        if Int.random(in: 0..<8, using: &rng) == 0 { text = (text.hasPrefix("-") ? "-0.000" : "0.000") + mantissa }
        return text
    }

    @Test func randomDecimalsMatchTheStandardLibrary() {
        var rng = SplitMix64(seed: 7)
        let texts = (0..<20_000).map { _ in Self.randomDecimal(&rng) }
        for fastPath in [true, false] {
            let parsed = parse(texts, fastPath: fastPath)
            for (text, value) in zip(texts, parsed) {
                let expected = Double(text)!
                if expected.isFinite {
                    #expect(value?.bitPattern == expected.bitPattern, "\(text)")
                } else {
                    #expect(value == nil, "\(text) overflows and must be rejected")
                }
            }
        }
    }

    @Test func shortestRepresentationsRoundTrip() {
        var rng = SplitMix64(seed: 8)
        var values: [Double] = [
            0.1, 0.2, 0.30000000000000004, .leastNonzeroMagnitude, 2.2250738585072014e-308, .greatestFiniteMagnitude,
            9_007_199_254_740_992, 123_456_789_012_345_680, 760.53, 1e22, 1e23, 4.35, 8.41e21, 2.5e-13,
        ]
        for _ in 0..<5000 { values.append(Double(bitPattern: rng.next() & ~(0x7FF << 52) | (UInt64.random(in: 1...2046, using: &rng) << 52))) }
        let texts = values.map(\.description)
        for (text, value) in zip(texts, parse(texts)) {
            #expect(value?.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }

    @Test func hardCasesRoundCorrectly() {
        let texts = [
            "9007199254740993", "9007199254740992.5", "2.2250738585072011e-308", "4.9406564584124654e-324",
            "1.00000000000000011102230246251565404236316680908203125", "0.1000000000000000055511151231257827",
            "123456789012345678901234567890", "1e-400", "0.000000000000000000000000000001", "1" + String(repeating: "0", count: 400) + "e-400",
            "3.0000000000000004440892098500626161694526672363281250000000001", "17976931348623157e292",
        ]
        for (text, value) in zip(texts, parse(texts)) {
            #expect(value?.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }

    @Test func integersAreExactOverTheWholeRange() {
        var rng = SplitMix64(seed: 9)
        var values: [Int64] = [0, 1, -1, Int64.max, Int64.min, 1_764_000_000_000]
        for _ in 0..<5000 { values.append(Int64(bitPattern: rng.next()) >> Int64.random(in: 0...62, using: &rng)) }
        var decoder = JSONBatchDecoder(schema: Self.schema, required: [])
        let input = values.map { "{\"i\":\($0)}" }.joined(separator: "\n")
        let (batch, rejections) = decodeLines(Array(input.utf8), with: &decoder)
        #expect(rejections.isEmpty)
        #expect(batch.columns[1].ints == values)
    }
}
