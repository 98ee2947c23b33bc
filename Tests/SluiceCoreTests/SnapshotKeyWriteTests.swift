import SluiceCore
import SluiceTestSupport
import Testing

/// The key-table writes (strided words, kept string forms) are faster paths to exactly the
/// bytes the per-value writes give, so snapshots before and after them are interchangeable;
/// and a writer reusing a buffer never changes bytes a checkpoint still holds.
@Suite struct SnapshotKeyWriteTests {
    /// Short, empty, multi-byte and longer-than-32-byte strings (the word copy's limit).
    private static func strings(_ count: Int, rng: inout SplitMix64) -> [String] {
        (0..<count).map { i in
            switch rng.next() % 5 {
            case 0: ""
            case 1: "agent-\(i)"
            case 2: "é\u{301}ü-\(i)-日本"
            case 3: String(repeating: "x", count: 25 + Int(rng.next() % 20)) + "\(i)"
            default: "m\(i)"
            }
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func keptStringFormsWriteWhatPerStringWritesDo(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var table = Self.strings(200, rng: &rng)
        let forms = EncodedStrings()
        forms.extend(table)
        for round in 0..<3 {
            if round > 0 {
                // The interner grew between snapshots: only the new strings are encoded.
                table += Self.strings(Int(rng.next() % 300), rng: &rng).map { "r\(round)-" + $0 }
                forms.extend(table)
            }
            #expect(forms.count == table.count)
            let width = 3
            let offset = Int(rng.next() % UInt64(width))
            let count = Int(rng.next() % 1_000)
            var words = [UInt64](repeating: 0, count: count * width)
            for i in 0..<count { words[i * width + offset] = rng.next() % UInt64(table.count) }
            var fast = SnapshotWriter()
            var slow = SnapshotWriter()
            fast.write("lead")
            slow.write("lead")
            words.withUnsafeBufferPointer { fast.write(codes: $0, stride: width, offset: offset, count: count, of: forms) }
            for i in 0..<count { slow.write(table[Int(words[i * width + offset])]) }
            for i in 0..<min(count, 50) { fast.write(code: Int(words[i * width + offset]), of: forms) }
            for i in 0..<min(count, 50) { slow.write(table[Int(words[i * width + offset])]) }
            fast.write(UInt64(7))
            slow.write(UInt64(7))
            #expect(fast.bytes == slow.bytes)
        }
        // A shorter table is another interner (a restore): the forms start over.
        let other = ["b", "a"]
        forms.extend(other)
        var fast = SnapshotWriter()
        var slow = SnapshotWriter()
        [UInt64(1), 0, 1].withUnsafeBufferPointer { fast.write(codes: $0, stride: 1, offset: 0, count: 3, of: forms) }
        for code in [1, 0, 1] { slow.write(other[code]) }
        #expect(fast.bytes == slow.bytes)
    }

    @Test(arguments: [UInt64(5), 6, 7])
    func stridedWordsWriteWhatPerWordWritesDo(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let width = 1 + Int(rng.next() % 4)
        let count = Int(rng.next() % 2_000)
        let words = (0..<(count * width)).map { _ in rng.next() }
        for offset in 0..<width {
            var fast = SnapshotWriter()
            var slow = SnapshotWriter()
            fast.write(true)
            slow.write(true)
            words.withUnsafeBufferPointer { fast.writeColumn($0, stride: width, offset: offset, count: count) }
            for i in 0..<count { slow.write(words[i * width + offset]) }
            #expect(fast.bytes == slow.bytes)
        }
    }

    @Test func aReusedBufferLeavesHeldBytesAloneAndReusesFreeMemory() {
        var first = SnapshotWriter()
        for i in 0..<10_000 { first.write(UInt64(i)) }
        let held = first.bytes  // a checkpoint not yet saved
        var spare = held
        let copy = Array(held)
        var second = SnapshotWriter(reusing: &spare)
        #expect(spare.isEmpty)
        for _ in 0..<10_000 { second.write(UInt64.max) }
        #expect(held == copy, "a snapshot still held by its checkpoint was overwritten")

        // Nobody else holds the buffer: the next writer fills the same memory.
        var free = second.bytes
        second = SnapshotWriter()
        let address = free.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        var third = SnapshotWriter(reusing: &free)
        third.write(UInt64(1))
        let reused = third.bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        #expect(reused == address)
        #expect(third.bytes == [1, 0, 0, 0, 0, 0, 0, 0])
    }
}
