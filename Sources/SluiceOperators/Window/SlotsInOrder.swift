/// `0, 1, …, count - 1` as slot numbers, kept between calls: writing or emitting a whole
/// table needs them in order, and a fresh array for a large table costs a page fault per
/// 1,024 slots.
final class SlotsInOrder {
    private var slots: [Int32] = []

    /// The first `count` slots. Drop the result before the next call, or that call copies.
    func first(_ count: Int) -> [Int32] {
        if slots.count > count {
            slots.removeLast(slots.count - count)
        } else if slots.count < count {
            slots.append(contentsOf: Int32(slots.count)..<Int32(count))
        }
        return slots
    }

    var memoryBytes: Int { slots.capacity * 4 }
}
