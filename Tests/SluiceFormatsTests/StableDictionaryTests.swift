import SluiceConnectors
import SluiceCore
@testable import SluiceFormats
import Testing

/// Once a string column settles, its codes are stable across batches and the batches
/// share one dictionary array; key encoding downstream gives the same keys either way.
@Suite struct StableDictionaryTests {
    private func baseAddress(_ strings: [String]) -> UnsafeRawPointer? {
        strings.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) }
    }

    @Test func settledColumnsShareOneDictionaryWithStableCodes() {
        var decoder = JSONBatchDecoder(schema: DAA.metricSampleSchema, required: [])
        let lines = Array((0..<200).map(UInt64.init).map(metricLine).joined(separator: "\n").utf8)
        // Warming up: the first batches bring only new strings and get compact dictionaries.
        let (first, _) = decodeLines(lines, with: &decoder)
        let (second, _) = decodeLines(lines, with: &decoder)
        #expect(Set(first.columns[0].dictionary).count == first.columns[0].dictionary.count)
        #expect(baseAddress(first.columns[0].dictionary) != baseAddress(second.columns[0].dictionary))
        // Settled: the same array, the same codes for the same strings.
        let (third, _) = decodeLines(lines, with: &decoder)
        let (fourth, _) = decodeLines(lines, with: &decoder)
        for column in [0, 1] {
            #expect(third.columns[column].dictionary == fourth.columns[column].dictionary)
            #expect(baseAddress(third.columns[column].dictionary) == baseAddress(fourth.columns[column].dictionary))
            #expect(third.columns[column].codes == fourth.columns[column].codes)
        }
        #expect(rowTexts(third) == rowTexts(first) && rowTexts(fourth) == rowTexts(first))
        // A new string extends the dictionary (a new array); old codes keep their strings.
        let more = Array(((0..<200).map(UInt64.init) + [1_000_003]).map(metricLine).joined(separator: "\n").utf8)
        let (fifth, _) = decodeLines(more, with: &decoder)
        #expect(fifth.columns[0].dictionary.count == fourth.columns[0].dictionary.count + 1)
        #expect(baseAddress(fifth.columns[0].dictionary) != baseAddress(fourth.columns[0].dictionary))
        #expect(Array(fifth.columns[0].codes.prefix(200)) == fourth.columns[0].codes)
        #expect(rowTexts(fifth) == rowTexts(decodeLines(String(decoding: more, as: UTF8.self)).0))
    }

    @Test func uniquePerEventColumnsKeepCompactDictionaries() {
        var decoder = JSONBatchDecoder(schema: Schema([Field("id", .string)]), required: [])
        for batch in 0..<4 {
            let lines = (0..<1000).map { "{\"id\":\"e-\(batch)-\($0)\"}" }.joined(separator: "\n")
            let (decoded, _) = decodeLines(Array(lines.utf8), with: &decoder)
            #expect(decoded.columns[0].dictionary.count == 1000)
            #expect(decoded.value(row: 999, column: "id") == .string("e-\(batch)-999"))
        }
    }

    /// A unique-per-event column stops being hashed: each value read becomes the next
    /// dictionary entry (a value repeated within the batch is repeated there too), on the
    /// fast path and the general parser's alike. When the column starts repeating, it is
    /// measured again and settles like any other.
    @Test func churningColumnsPassThroughAndSettleWhenTheyRepeat() {
        let schema = Schema([Field("id", .string), Field("agent_id", .string)])
        var decoder = JSONBatchDecoder(schema: schema, required: [])
        func batch(_ ids: [String]) -> [UInt8] {
            // Every 7th id is escaped, which the general parser decodes.
            Array(
                ids.enumerated().map { i, id in
                    let text = i % 7 == 3 ? id.split(separator: "-").joined(separator: "\\u002d") : id
                    return "{\"id\":\"\(text)\",\"agent_id\":\"agent-\(i % 5)\"}"
                }.joined(separator: "\n").utf8)
        }
        func check(_ decoded: Batch, _ ids: [String]) {
            #expect(decoded.count == ids.count)
            for row in 0..<decoded.count {
                #expect(decoded.value(row: row, column: "id") == .string(ids[row]))
                #expect(decoded.value(row: row, column: "agent_id") == .string("agent-\(row % 5)"))
            }
        }
        var passedThrough = 0
        for n in 0..<6 {
            // Unique ids, one of them twice: a hashed dictionary holds it once.
            var ids = (0..<2000).map { "e-\(n)-\($0)" }
            ids[1999] = ids[10]
            let (decoded, rejections) = decodeLines(batch(ids), with: &decoder)
            #expect(rejections.isEmpty)
            check(decoded, ids)
            if decoded.columns[0].dictionary.count == ids.count { passedThrough += 1 }
            // The agent column, five values, is hashed throughout.
            #expect(Set(decoded.columns[1].dictionary).count == decoded.columns[1].dictionary.count)
        }
        #expect(passedThrough >= 2)
        // Now the column repeats ten values: after the pass-through batches it is hashed again.
        let repeating = (0..<2000).map { "r-\($0 % 10)" }
        var last: Batch?
        for _ in 0..<(StringTable.passThroughBatches + 4) {
            let (decoded, _) = decodeLines(batch(repeating), with: &decoder)
            check(decoded, repeating)
            last = decoded
        }
        #expect(last.map { $0.columns[0].dictionary.count } == 10)
        let (settled, _) = decodeLines(batch(repeating), with: &decoder)
        check(settled, repeating)
        #expect(baseAddress(settled.columns[0].dictionary) == baseAddress(last!.columns[0].dictionary))
    }

    /// The event-type column is checked against its allowed values in its table, so it is
    /// never passed through, and its table stays within its size limit however many
    /// distinct bad types arrive (each such record is rejected).
    @Test func theEventTypeTableNeverPassesThrough() {
        let options = DecoderOptions(allowedTypes: ["metric"])
        for schema in [Schema([Field("id", .string)]), Schema([Field("id", .string), Field("type", .string)])] {
            var decoder = JSONBatchDecoder(schema: schema, required: [], options: options)
            let table = decoder.plan.tableOfSlot[decoder.plan.typeSlot]
            for batch in 0..<6 {
                let lines = (0..<3000).map { "{\"id\":\"e-\(batch)-\($0)\",\"type\":\"bad-\(batch)-\($0)\"}" }
                let (decoded, rejections) = decodeLines(Array(lines.joined(separator: "\n").utf8), with: &decoder)
                #expect(decoded.count == 0 && rejections.count == 3000)
                #expect(decoder.state.tables[table].passThroughLeft == 0, "batch \(batch)")
            }
        }
    }

    /// Batches of several splits    /// Batches of several splits (one decoder each, more than the encoder caches) arrive
    /// interleaved; every row's key must be the interned code of its own string.
    @Test func keyEncodingOfInterleavedSplitsIsExact() {
        let schema = DAA.metricSampleSchema
        var decoders = (0..<6).map { _ in JSONBatchDecoder(schema: schema, required: []) }
        var encoder = KeyWordEncoder(KeyEncoder(schema: schema, keyNames: ["agent_id", "metric"]))
        var interner = StringInterner()
        var words: [UInt64] = []
        for round in 0..<6 {
            for split in decoders.indices {
                // Each split sees its own strings, a few new ones in later rounds.
                let events = (0..<150).map { UInt64(split * 100_000 + $0 * 7 + ($0 % 50 == 0 ? round : 0)) }
                let lines = Array(events.map(metricLine).joined(separator: "\n").utf8)
                let (batch, _) = decodeLines(lines, with: &decoders[split])
                encoder.encode(batch, interner: &interner, into: &words)
                let width = encoder.encoder.width
                for row in 0..<batch.count {
                    guard case .string(let agent) = batch.value(row: row, column: "agent_id"),
                        case .string(let metric) = batch.value(row: row, column: "metric")
                    else {
                        Issue.record("row \(row) has no agent or metric")
                        continue
                    }
                    #expect(words[row * width] == UInt64(interner.code(of: agent) ?? .max))
                    #expect(words[row * width + 1] == UInt64(interner.code(of: metric) ?? .max))
                }
            }
        }
    }
}
