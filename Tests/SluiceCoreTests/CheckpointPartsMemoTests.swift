import SluiceTestSupport
import Testing

@testable import SluiceCore

/// `CheckpointParts.parts(of:memo:)`: the same parts and ids as a cut from scratch,
/// whatever the memo holds, and parts that did not change come from the memo.
@Suite struct CheckpointPartsMemoTests {
    /// What a cut from scratch gives: `cuts` and `id` of each part.
    private func fresh(_ bytes: [UInt8]) -> [CheckpointParts.Part] {
        var start = 0
        return CheckpointParts.cuts(bytes).map { end in
            defer { start = end }
            return CheckpointParts.Part(range: start..<end, id: CheckpointParts.id(bytes[start..<end]))
        }
    }

    private func randomBytes(_ count: Int, _ random: inout SplitMix64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        for i in stride(from: 0, to: count, by: 8) {
            var word = random.next()
            for k in i..<min(i + 8, count) {
                bytes[k] = UInt8(truncatingIfNeeded: word)
                word >>= 8
            }
        }
        return bytes
    }

    @Test func editsBetweenCutsGiveTheSamePartsAsACutFromScratch() {
        var random = SplitMix64(seed: 14)
        var bytes = randomBytes(3 << 20, &random)
        var memo = CheckpointPartsMemo()
        for step in 0..<40 {
            let got = CheckpointParts.parts(of: bytes, memo: &memo)
            #expect(got == fresh(bytes), "step \(step), \(bytes.count) bytes")
            // The next checkpoint: state appended, expired from the front, changed, grown or
            // shrunk in the middle, or the same.
            let at = Int(random.next() % UInt64(max(bytes.count, 1)))
            switch step % 6 {
            case 0: bytes += randomBytes(Int(random.next() % 200_000), &random)
            case 1: bytes.removeFirst(min(bytes.count, Int(random.next() % 300_000)))
            case 2: if !bytes.isEmpty { bytes[at] ^= 0x5A }
            case 3: bytes.insert(contentsOf: randomBytes(Int(random.next() % 5000), &random), at: at)
            case 4: bytes.removeSubrange(at..<min(bytes.count, at + Int(random.next() % 70_000)))
            default: break
            }
        }
    }

    @Test func partsThatDidNotChangeComeFromTheMemo() {
        var random = SplitMix64(seed: 15)
        let bytes = randomBytes(4 << 20, &random)
        var memo = CheckpointPartsMemo()
        let first = CheckpointParts.parts(of: bytes, memo: &memo)
        #expect(memo.reusedParts == 0)
        // Appended state: every part but the last (cut by the end of the bytes) is known.
        let grown = bytes + randomBytes(100_000, &random)
        let second = CheckpointParts.parts(of: grown, memo: &memo)
        #expect(second == fresh(grown))
        #expect(memo.reusedParts == first.count - 1)
        // Expired from the front: all but the parts overlapping the new start stay known.
        let trimmed = Array(grown.dropFirst(first[2].range.upperBound))
        #expect(CheckpointParts.parts(of: trimmed, memo: &memo) == fresh(trimmed))
        #expect(memo.reusedParts >= second.count - 4)
    }

    @Test func aPartThatStartsTheSameButDiffersIsCutAgain() {
        var random = SplitMix64(seed: 16)
        let bytes = randomBytes(1 << 20, &random)
        var memo = CheckpointPartsMemo()
        let before = CheckpointParts.parts(of: bytes, memo: &memo)
        // Every part keeps its first 32 bytes (the memo's key) but one byte past the
        // minimum size changes: no id matches, cuts may move, and every part is scanned.
        var changed = bytes
        for part in before where part.range.count > CheckpointParts.minimumSize + 100 {
            changed[part.range.lowerBound + CheckpointParts.minimumSize + 100] ^= 1
        }
        #expect(CheckpointParts.parts(of: changed, memo: &memo) == fresh(changed))
        #expect(memo.reusedParts == 0)
        // A memo whose parts run past the end of shorter bytes.
        var longMemo = CheckpointPartsMemo()
        _ = CheckpointParts.parts(of: bytes, memo: &longMemo)
        let short = Array(bytes.prefix(before[0].range.count - 1))
        #expect(CheckpointParts.parts(of: short, memo: &longMemo) == fresh(short))
        #expect(longMemo.reusedParts == 0)
    }

    @Test func partsEndedByTheSizeLimitAreReusedToo() {
        // Constant bytes never match the cut pattern (the gear hash settles on one value
        // whose top bits are not zero), so every part but the last is `maximumSize` long.
        let bytes = [UInt8](repeating: 0, count: 5 * CheckpointParts.maximumSize / 2)
        var memo = CheckpointPartsMemo()
        let first = CheckpointParts.parts(of: bytes, memo: &memo)
        #expect(first == fresh(bytes))
        #expect(first.dropLast().allSatisfy { $0.range.count == CheckpointParts.maximumSize } && first.count == 3)
        // Equal parts share a key and an id: the memo holds one, and each is reused.
        let longer = bytes + [UInt8](repeating: 0, count: CheckpointParts.maximumSize)
        #expect(CheckpointParts.parts(of: longer, memo: &memo) == fresh(longer))
        #expect(memo.reusedParts == 3)
        // The same key with another length (a part the end of the bytes cut short) is not taken.
        let cut = Array(longer.prefix(CheckpointParts.maximumSize + CheckpointParts.minimumSize + 5))
        #expect(CheckpointParts.parts(of: cut, memo: &memo) == fresh(cut))
    }

    @Test func emptyAndShortBytes() {
        var random = SplitMix64(seed: 17)
        let long = randomBytes(1 << 20, &random)
        for count in [0, 1, 31, 32, 100, CheckpointParts.minimumSize, CheckpointParts.minimumSize + 1, 40_000] {
            // A memo primed with longer bytes that start the same.
            var memo = CheckpointPartsMemo()
            _ = CheckpointParts.parts(of: long, memo: &memo)
            let bytes = Array(long.prefix(count))
            #expect(CheckpointParts.parts(of: bytes, memo: &memo) == fresh(bytes), "\(count) bytes")
            #expect(CheckpointParts.parts(of: bytes, memo: &memo) == fresh(bytes), "\(count) bytes, again")
        }
    }
}
