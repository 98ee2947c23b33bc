import SluiceConnectors
import SluiceCore
import SluiceFormats
import Testing

/// String columns are dictionary-encoded per batch, and decoders are independent values.
@Suite struct StringDictionaryTests {
    @Test func eachBatchHasItsOwnCompactDictionary() {
        var decoder = JSONBatchDecoder(schema: DAA.metricSampleSchema, required: [])
        let first = (0..<100).map(UInt64.init).map(metricLine).joined(separator: "\n")
        let (a, _) = decodeLines(Array(first.utf8), with: &decoder)
        let agents = a.columns[0]
        #expect(Set(agents.dictionary).count == agents.dictionary.count)
        #expect(Set(agents.codes).count == agents.dictionary.count)
        #expect(a.columns[1].dictionary.count <= 8)
        // Codes index the dictionary and give back the original strings.
        for row in 0..<a.count {
            let text = metricLine(UInt64(row))
            #expect(text.contains("\"\(agents.dictionary[Int(agents.codes[row])])\""))
        }
        // A second batch with only a few strings gets a dictionary of just those.
        let (b, _) = decodeLines(Array((metricLine(5) + "\n" + metricLine(5)).utf8), with: &decoder)
        #expect(b.columns[0].dictionary.count == 1 && b.columns[0].codes == [0, 0])
        #expect(b.columns[1].dictionary.count == 1)
        #expect(b.value(row: 1, column: "agent_id") == a.value(row: 5, column: "agent_id"))
    }

    @Test func manyDistinctStringsStayCorrectAcrossCacheResets() {
        var decoder = JSONBatchDecoder(schema: Schema([Field("id", .string)]), required: [])
        for batch in 0..<3 {
            let lines = (0..<100_000).map { "{\"id\":\"e-\(batch)-\($0)\"}" }.joined(separator: "\n")
            let (decoded, rejections) = decodeLines(Array(lines.utf8), with: &decoder)
            #expect(rejections.isEmpty && decoded.count == 100_000)
            #expect(decoded.columns[0].dictionary.count == 100_000)
            #expect(decoded.value(row: 99_999, column: "id") == .string("e-\(batch)-99999"))
            #expect(decoded.value(row: 12_345, column: "id") == .string("e-\(batch)-12345"))
        }
    }

    @Test func copiesOfADecoderDecodeIndependently() async {
        let decoder = JSONBatchDecoder(schema: DAA.metricSampleSchema, required: [])
        let results = await withTaskGroup(of: [String].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var copy = decoder
                    var texts: [String] = []
                    for round in 0..<20 {
                        let base = UInt64(worker * 10_000 + round * 100)
                        let lines = (base..<base + 100).map(metricLine).joined(separator: "\n")
                        texts += rowTexts(decodeLines(Array(lines.utf8), with: &copy).0)
                    }
                    return texts
                }
            }
            var all: [String] = []
            for await texts in group { all += texts }
            return all.sorted()
        }
        var serial = decoder
        var expected: [String] = []
        for worker in 0..<4 {
            for round in 0..<20 {
                let base = UInt64(worker * 10_000 + round * 100)
                let lines = (base..<base + 100).map(metricLine).joined(separator: "\n")
                expected += rowTexts(decodeLines(Array(lines.utf8), with: &serial).0)
            }
        }
        #expect(results == expected.sorted())
    }
}
