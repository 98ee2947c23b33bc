/// Where one split of a source stands: a file offset, an AMQP delivery tag, a Kafka offset.
///
/// Positions travel with the batches a source emits. A position is *durable* once every
/// row derived from the batches up to it has been committed by the sinks (and, later, the
/// checkpoint); only then may the source acknowledge it.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The source's name in its pipeline.
    public var source: String
    /// The split (file, queue, partition) inside that source.
    public var split: Int
    /// A monotonically increasing offset within the split.
    public var offset: Int64

    public init(source: String, split: Int, offset: Int64) {
        self.source = source
        self.split = split
        self.offset = offset
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.source, lhs.split, lhs.offset) < (rhs.source, rhs.split, rhs.offset)
    }

    public var description: String { "\(source)#\(split)@\(offset)" }
}

/// A checkpoint epoch. Epoch N is complete when every partition has passed marker N.
public struct Epoch: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public static func < (lhs: Epoch, rhs: Epoch) -> Bool { lhs.value < rhs.value }
    public var next: Epoch { Epoch(value + 1) }
    public var description: String { "epoch \(value)" }
}
