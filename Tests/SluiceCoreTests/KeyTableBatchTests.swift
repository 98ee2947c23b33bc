import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct KeyTableBatchTests {
    /// Batches of random keys (few distinct, so hits and inserts mix), looked up through the
    /// batch path in a random subset of rows, must give the slots the one-key path gives —
    /// including across growth in the middle of a batch and for every key width.
    @Test(arguments: [1, 2, 3])
    func batchLookUpMatchesOneKeyLookUp(width: Int) {
        var rng = SplitMix64(seed: UInt64(width) &* 77)
        var batched = KeyTable(width: width, capacity: 1)
        var reference = KeyTable(width: width, capacity: 1)
        for batchNumber in 0..<40 {
            let rowCount = Int(rng.next() % 3_000)
            let distinct = UInt64(1 + batchNumber * 150)
            let words = (0..<(rowCount * width)).map { _ in rng.next() % distinct }
            var hashes: [UInt64] = []
            KeyTable.hashKeys(words, width: width, into: &hashes)
            #expect(hashes.count == rowCount)
            let rows = (0..<Int32(rowCount)).filter { _ in rng.next() % 4 != 0 }
            var slots = [Int32](repeating: -1, count: rows.count)
            rows.withUnsafeBufferPointer { rows in
                slots.withUnsafeMutableBufferPointer { slots in
                    guard let out = slots.baseAddress else { return }
                    batched.findOrInsert(at: rows, keyWords: words, hashes: hashes, lookahead: 8, slots: out)
                }
            }
            let expected = words.withUnsafeBufferPointer { words in
                rows.map { row in
                    reference.findOrInsert(UnsafeBufferPointer(rebasing: words[(Int(row) * width)..<((Int(row) + 1) * width)])).slot
                }
            }
            #expect(slots == expected)
            #expect(batched.count == reference.count)
            #expect(batched.keys == reference.keys)
        }
        // Every stored key is found again through `find`.
        for slot in 0..<batched.count {
            let key = Array(batched.key(at: slot))
            #expect(key.withUnsafeBufferPointer { batched.find($0) } == Int32(slot))
        }
    }
}
