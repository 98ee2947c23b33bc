/// Memory that records point into (`RawRecords`): a reader fills it and the batches cut
/// from it share it, so a chunk of input is not copied again for its records.
///
/// Bytes a record lies in are never written again once a batch holds the block; the reader
/// that filled it may go on writing past every record it handed out (its unread tail), and
/// moves its leftover to a fresh block rather than over bytes a batch may read.
public final class RecordBlock: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = .allocate(byteCount: self.capacity, alignment: 16)
        base.bindMemory(to: UInt8.self, capacity: self.capacity)
    }

    /// A block holding a copy of `bytes`.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(capacity: bytes.count)
        if let source = bytes.baseAddress, bytes.count > 0 { base.copyMemory(from: source, byteCount: bytes.count) }
    }

    deinit { base.deallocate() }
}
