import SluiceCore
import Testing

@testable import SluiceFormats

/// A string column whose table outgrows the caches has its look-ups deferred to the end of
/// the chunk (`DeferredLookup`): the decoded values must be those the general parser gives,
/// including for records the fast path gives up on after reading the string.
@Suite struct DeferredLookupTests {
    static let schema = Schema([Field("agent_id", .string), Field("metric", .string), Field("value", .double)])

    /// A record the fast path reads to its end (also with a field outside the schema holding
    /// a nested value, which it skips, with its keys in another order, or with an id too
    /// long to defer, looked up at once), or one it abandons after `agent_id`: an exponent,
    /// an escaped string, a duplicate field, or a value of the wrong type (which the general
    /// parser rejects).
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

    /// Decodes `chunks` with and without the fast path and expects the same rows and
    /// rejections; returns how many look-ups the fast decoder deferred, and whether the
    /// agent ids' table was settled (codes are entry numbers) for the last chunk.
    static func compare(_ chunks: [[String]], options: DecoderOptions = DecoderOptions()) -> (deferred: Int, settled: Bool) {
        var fast = JSONBatchDecoder(schema: schema, required: [], options: options)
        var general = fast
        general.usesFastPath = false
        for (index, lines) in chunks.enumerated() {
            let bytes = Array(lines.joined(separator: "\n").utf8)
            let a = decodeLines(bytes, with: &fast)
            let b = decodeLines(bytes, with: &general)
            #expect(a.0.count + a.1.count == lines.count)
            #expect(rowTexts(a.0) == rowTexts(b.0), "chunk \(index)")
            #expect(a.1.map(\.reason) == b.1.map(\.reason), "chunk \(index)")
            if options.keepsRecords {
                let kept = { (batch: Batch) in (0..<(batch.records?.count ?? 0)).map { batch.records!.record($0) } }
                #expect(kept(a.0).count == a.0.count && kept(a.0) == kept(b.0), "chunk \(index)")
            }
            // Codes index the dictionary, whatever order the look-ups gave them.
            let agents = a.0.columns[0]
            #expect(agents.codes.allSatisfy { Int($0) < agents.dictionary.count })
        }
        #expect(general.deferredLookupsResolved == 0)
        return (fast.deferredLookupsResolved, fast.state.tables[fast.plan.tableOfSlot[0]].isStable)
    }

    /// A chunk of `count` lines of agents below `agents`, a sixteenth of each variant but
    /// the plain one (which has the rest); without `longIds`, no long ids (each a new string).
    static func chunk(_ count: Int, agents: Int, longIds: Bool = true, _ rng: inout SplitMix64) -> [String] {
        (0..<count).map { _ in
            let variant = Int(rng.next() % 16)
            return line(agent: Int(rng.next() % UInt64(agents)), variant: variant < (longIds ? 8 : 7) ? variant : 0)
        }
    }

    @Test(arguments: [false, true])
    func largeTablesGiveTheGeneralParsersValues(keepsRecords: Bool) {
        var rng = SplitMix64(seed: 26)
        // The first chunk fills the table with 20,000 ids (32,768 slots, past
        // `deferredFromSlots`); later chunks defer and bring new ids too. The last two look
        // up more than a quarter of the table each and bring no new string, so the table
        // settles and the last chunk's codes are its entry numbers.
        var chunks = [(0..<20_000).map { Self.line(agent: $0, variant: 0) }]
        for _ in 0..<3 { chunks.append(Self.chunk(5_000, agents: 24_000, &rng)) }
        for _ in 0..<2 { chunks.append(Self.chunk(30_000, agents: 20_000, longIds: false, &rng)) }
        var options = DecoderOptions()
        options.keepsRecords = keepsRecords
        let result = Self.compare(chunks, options: options)
        #expect(result.deferred > 50_000, "the look-ups must have been deferred")
        #expect(result.settled, "the last chunk must run with a settled table")
    }

    @Test func smallTablesLookUpAtOnce() {
        var rng = SplitMix64(seed: 7)
        let chunks = (0..<3).map { _ in Self.chunk(5_000, agents: 1_000, &rng) }
        #expect(Self.compare(chunks).deferred == 0)
    }
}
