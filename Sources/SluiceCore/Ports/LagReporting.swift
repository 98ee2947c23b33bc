/// How much input is waiting for a source: messages ready on its queues or bytes not yet
/// read from its file. Read from any thread by the operations side; never on the hot path.
public struct ConsumerLag: Sendable, Equatable {
    /// "messages" or "bytes".
    public var unit: String
    public var amount: Int64

    public init(unit: String, amount: Int64) {
        self.unit = unit
        self.amount = amount
    }
}

/// A source that can say how much input waits for it. `consumerLag` is nil while it
/// cannot tell (a broker it has not reached yet).
public protocol LagReporting: Sendable {
    var consumerLag: ConsumerLag? { get }
}
