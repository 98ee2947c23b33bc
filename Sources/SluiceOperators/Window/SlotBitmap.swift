/// A growable set of slot numbers as a bitmap: marks the groups changed since their row
/// was last emitted, at one OR per update.
struct SlotBitmap: Sendable, Equatable {
    private(set) var words: [UInt64] = []
    /// True once any slot was inserted since the last `removeAll`.
    private(set) var isEmpty = true

    init() {}

    init(words: [UInt64]) {
        self.words = words
        isEmpty = !words.contains { $0 != 0 }
    }

    var memoryBytes: Int { words.capacity * 8 }

    mutating func insert(_ slot: Int) {
        let word = slot >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word + 1 - words.count)) }
        words[word] |= 1 << UInt64(slot & 63)
        isEmpty = false
    }

    /// Inserts every slot of `slots`, all below `limit`.
    mutating func insert(contentsOf slots: [Int32], limit: Int) {
        guard !slots.isEmpty else { return }
        let needed = (limit + 63) >> 6
        if needed > words.count { words.append(contentsOf: repeatElement(0, count: needed - words.count)) }
        words.withUnsafeMutableBufferPointer { bits in
            for slot in slots { bits[Int(slot) >> 6] |= 1 << UInt64(slot & 63) }
        }
        isEmpty = false
    }

    mutating func remove(_ slot: Int) {
        let word = slot >> 6
        guard word < words.count else { return }
        words[word] &= ~(1 << UInt64(slot & 63))
    }

    func contains(_ slot: Int) -> Bool {
        let word = slot >> 6
        return word < words.count && words[word] & (1 << UInt64(slot & 63)) != 0
    }

    /// The members in ascending order.
    var members: [Int32] {
        guard !isEmpty else { return [] }
        var out: [Int32] = []
        for (w, word) in words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                out.append(Int32(w << 6 + bits.trailingZeroBitCount))
                bits &= bits - 1
            }
        }
        return out
    }

    mutating func removeAll() {
        guard !isEmpty else { return }
        words.withUnsafeMutableBufferPointer { bits in
            for i in bits.indices { bits[i] = 0 }
        }
        isEmpty = true
    }
}
