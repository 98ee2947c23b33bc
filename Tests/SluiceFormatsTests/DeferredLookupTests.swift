import SluiceCore
import Testing

@testable import SluiceFormats

/// A string column whose table outgrows the caches has its look-ups deferred to the end of
/// the chunk (`DeferredLookup`): the decoded values must be those the general parser gives,
/// including for records the fast path gives up on after reading the string.
@Suite struct DeferredLookupTests {
    static let schema = Schema([Field("agent_id", .string), Field("metric", .string), Field("value", .double)])

    /// A record the fast path reads to its end, or one it abandons after `agent_id`: an
    /// exponent, an escaped string, a duplicate field, a nested value, or a bad value the
    /// general parser rejects.
    static func line(agent: Int, variant: Int) -> String {
        let id = "a-\(agent)"
        switch variant {
        case 0: return #"{"agent_id":"\#(id)","metric":"cpu","value":1.5}"#
        case 1: return #"{"agent_id":"\#(id)","metric":"cpu","value":2e3}"#
        case 2: return #"{"agent_id":"\#(id)","metric":"c\u0070u","value":3}"#
        case 3: return #"{"agent_id":"\#(id)","agent_id":"b-\#(agent)","value":4}"#
        case 4: return #"{"agent_id":"\#(id)","metric":"cpu","value":"five"}"#
        case 5: return #"{"agent_id":"\#(id)","metric":"cpu","extra":{"a":[1,2]},"value":6}"#
        case 6: return #"{"metric":"mem","agent_id":"\#(id)","value":7.25}"#
        default: return #"{"agent_id":"a-very-long-agent-identifier-\#(agent)","metric":"cpu","value":8}"#
        }
    }

    @Test func largeTablesGiveTheGeneralParsersValues() {
        var fast = JSONBatchDecoder(schema: Self.schema, required: [])
        var general = fast
        general.usesFastPath = false
        var rng = SplitMix64(seed: 26)
        // The first chunk fills the table with 20,000 ids (32,768 slots, past
        // `deferredFromSlots`); later chunks defer, and bring some new ids too.
        let warmUp = (0..<20_000).map { Self.line(agent: $0, variant: 0) }
        var chunks = [warmUp]
        for _ in 0..<4 {
            chunks.append(
                (0..<5_000).map { _ in
                    let variant = Int(rng.next() % 16)
                    return Self.line(agent: Int(rng.next() % 24_000), variant: variant < 8 ? variant : 0)
                })
        }
        for (index, lines) in chunks.enumerated() {
            let bytes = Array(lines.joined(separator: "\n").utf8)
            let a = decodeLines(bytes, with: &fast)
            let b = decodeLines(bytes, with: &general)
            #expect(a.0.count + a.1.count == lines.count)
            #expect(rowTexts(a.0) == rowTexts(b.0), "chunk \(index)")
            #expect(a.1.map(\.reason) == b.1.map(\.reason), "chunk \(index)")
            // Codes index the dictionary, whatever order the look-ups gave them.
            let agents = a.0.columns[0]
            #expect(agents.codes.allSatisfy { Int($0) < agents.dictionary.count })
        }
    }
}
