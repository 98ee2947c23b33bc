import SluiceCore
import Testing

@testable import SluiceOperators

/// `count_distinct` of a string column whose batches share a decoder's settled dictionary:
/// the aggregation keeps each dictionary's hashes between batches (`DictionaryHashes`), and
/// must count exactly as if it hashed every batch afresh.
@Suite struct CountDistinctDictionaryTests {
    private let op = KeyedAggregateOperator(
        inputSchema: TestInput.schema, keys: ["metric"], timeField: "ts", window: nil,
        aggregates: [AggregateSpec("labels", .countDistinct, TestInput.column("label"))])

    /// One batch of `codes.count` rows of metric "m" whose labels are `dictionary[codes[i]]`.
    private func batch(codes: [UInt32], dictionary: [String]) -> Batch {
        let n = codes.count
        let columns = [
            Column(strings: Array(repeating: "a", count: n)), Column(strings: Array(repeating: "m", count: n)),
            Column(ints: (0..<n).map { Int64($0) }, type: .timestamp), Column(doubles: Array(repeating: 1, count: n)),
            Column(ints: Array(repeating: 0, count: n)), Column(codes: codes, dictionary: dictionary),
            Column(bools: Array(repeating: true, count: n)),
        ]
        return Batch(schema: TestInput.schema, columns: columns, count: n)
    }

    private func labels(_ recording: Recording) -> Int64? { recording.mainRows.last?["labels"]?.asInt }

    @Test func sharedExtendedAndLookalikeDictionariesCountExactly() {
        // A settled dictionary: the very same array (buffer) batch after batch.
        let settled = (0..<100).map { "label-\($0)" }
        #expect(labels(op.run([.batch(batch(codes: [0, 1, 2], dictionary: settled))])) == 3)
        #expect(labels(op.run([.batch(batch(codes: [2, 3, 99], dictionary: settled))])) == 5)
        // The table grew: the same strings first, then new ones (a new buffer that extends the kept one).
        var grown = settled
        grown.append(contentsOf: ["new-0", "new-1"])
        #expect(labels(op.run([.batch(batch(codes: [100, 101, 0], dictionary: grown))])) == 7)
        // A dictionary of the same size but other strings, in another buffer: no kept hash may be reused.
        let other = (0..<102).map { "other-\($0)" }
        #expect(labels(op.run([.batch(batch(codes: [0, 1, 101], dictionary: other))])) == 10)
        // Back to the first: still its own hashes.
        #expect(labels(op.run([.batch(batch(codes: [4, 5], dictionary: settled))])) == 12)
        // Equal bytes are one label whichever dictionary they came from.
        #expect(labels(op.run([.batch(batch(codes: [0, 100], dictionary: grown))])) == 12)
    }

    /// "é" composed (NFC) and decomposed (NFD) are equal as Swift strings but not as bytes,
    /// and `count_distinct` counts bytes: a dictionary starting with one must not pass for
    /// an extension of a kept dictionary starting with the other.
    @Test func canonicallyEqualStringsAreNotTakenForAKeptDictionary() {
        let composed = ["\u{E9}"]
        #expect(labels(op.run([.batch(batch(codes: [0], dictionary: composed))])) == 1)
        let decomposed = ["e\u{301}", "x"]
        #expect(decomposed[0] == composed[0])
        #expect(labels(op.run([.batch(batch(codes: [0], dictionary: decomposed))])) == 2)
        #expect(labels(op.run([.batch(batch(codes: [0, 1], dictionary: composed + ["x"]))])) == 3)
    }
}
