/// The parts one cut of a checkpoint found, kept to cut the next checkpoint of the same
/// pipeline with less work (`CheckpointParts.parts(of:memo:)`).
///
/// Most of a checkpoint's bytes are the same as the last one's (de-duplication's sealed
/// segments, windows that did not change), and the gear scan that finds each cut cost more
/// than hashing the part (4.8 % and 3.3 % of `sluice run`'s CPU at 3 minutes; Benchmarks,
/// session 20). A part's cut depends only on its own bytes, so a part that starts where a
/// known part started (the same first 32 bytes) and has that part's id *is* that part, cut
/// at the same place, and needs no scan. Only ids decide, so a stale or foreign memo costs
/// at most a wasted hash; the result differs from a cut from scratch only if two different
/// byte ranges share a 128-bit id, which stores already assume does not happen.
public struct CheckpointPartsMemo: Sendable {
    struct Known: Sendable {
        var length: Int
        var id: PartID
    }

    /// Parts the content or the size limit ended (not the end of the bytes), by the key of
    /// their first bytes (`CheckpointParts.startKey`).
    var byStart: [UInt64: Known] = [:]

    public init() {}

    /// Known parts (tests).
    public var count: Int { byStart.count }
    /// How many parts of the last cut came from the memo without a scan (tests, benchmarks).
    public internal(set) var reusedParts = 0
}

extension CheckpointParts {
    /// One part: where it lies in the bytes, and its id.
    public struct Part: Sendable, Equatable {
        public var range: Range<Int>
        public var id: PartID
    }

    /// The parts of `bytes`, exactly as `cuts` and `id` give them, reusing the parts
    /// `memo` knows; leaves in `memo` the parts of `bytes`.
    public static func parts(of bytes: [UInt8], memo: inout CheckpointPartsMemo) -> [Part] {
        var parts: [Part] = []
        parts.reserveCapacity(bytes.count / (minimumSize * 2) + 1)
        var next = CheckpointPartsMemo()
        next.byStart.reserveCapacity(memo.byStart.count + 8)
        var reused = 0
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                let key = startKey(buffer, at: start)
                var found: Part?
                var endedByContent = true
                if let key, let known = memo.byStart[key], known.length <= buffer.count - start {
                    let range = start..<(start + known.length)
                    if id(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[range]))) == known.id {
                        found = Part(range: range, id: known.id)
                        reused += 1
                    }
                }
                if found == nil {
                    let cut = cutEnd(buffer, from: start)
                    let range = start..<cut.end
                    found = Part(range: range, id: id(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[range]))))
                    endedByContent = !cut.byEndOfBytes
                }
                let part = found!
                if endedByContent, let key { next.byStart[key] = CheckpointPartsMemo.Known(length: part.range.count, id: part.id) }
                parts.append(part)
                start = part.range.upperBound
            }
        }
        next.reusedParts = reused
        memo = next
        return parts
    }

    /// A hash of the 32 bytes at `start`, or nil when fewer remain (no part that short
    /// but the last one, which is never reused).
    @inline(__always)
    static func startKey(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt64? {
        guard buffer.count - start >= 32, let base = buffer.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base + start)
        var key: UInt64 = 0
        for word in 0..<4 {
            key = StableHash.mix(key ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self)))
        }
        return key
    }
}
