/// A manually managed growable array of plain values for the decoder's hot loops:
/// appends are a store and an increment, with no uniqueness or exclusivity checks.
///
/// - Important: A value type around a raw allocation: exactly one owner calls
///   `deallocate()`, and copies must not outlive it (the owners here are
///   `DecoderState` and the tables it holds).
struct GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 16) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    @inline(__always)
    subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow(toAtLeast: count + 1) }
        base[count] = element
        count &+= 1
    }

    mutating func append(repeating element: Element, count n: Int) {
        guard n > 0 else { return }
        if count + n > capacity { grow(toAtLeast: count + n) }
        (base + count).initialize(repeating: element, count: n)
        count += n
    }

    mutating func append(_ source: UnsafePointer<Element>, count n: Int) {
        guard n > 0 else { return }
        if count + n > capacity { grow(toAtLeast: count + n) }
        (base + count).initialize(from: source, count: n)
        count += n
    }

    mutating func removeAll() { count = 0 }

    mutating func truncate(to newCount: Int) { count = min(count, newCount) }

    @inline(never)
    mutating func grow(toAtLeast minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        grown.initialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    /// The elements as a Swift array.
    func array() -> [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// True when the `n` bytes at `a` and `b` are equal; word compares instead of a
/// `memcmp` call for the short keys and strings the decoder compares all the time.
@inline(__always)
func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    let ra = UnsafeRawPointer(a)
    let rb = UnsafeRawPointer(b)
    if n >= 8 {
        var i = 0
        while i &+ 8 < n {
            let wordA = ra.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if wordA != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        return ra.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            == rb.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
    }
    if n >= 4 {
        return ra.loadUnaligned(as: UInt32.self) == rb.loadUnaligned(as: UInt32.self)
            && ra.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
                == rb.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
    }
    var i = 0
    while i < n {
        if a[i] != b[i] { return false }
        i &+= 1
    }
    return true
}
