import Synchronization

/// What each split of an `AMQPSource` is doing, readable from any thread (health
/// endpoints, logs, tests).
public final class AMQPSourceStatus: Sendable {
    /// The connection state of one split.
    public enum State: Sendable, Equatable, CustomStringConvertible {
        case connecting
        case connected
        /// The connection was lost or refused; the next attempt waits with backoff.
        case reconnecting(attempt: Int, error: String)
        case ended

        public var description: String {
            switch self {
            case .connecting: "connecting"
            case .connected: "connected"
            case .reconnecting(let attempt, let error): "reconnecting (attempt \(attempt)): \(error)"
            case .ended: "ended"
            }
        }
    }

    /// Counters and state of one split.
    public struct Split: Sendable, Equatable {
        public var queue: String
        public var state: State = .connecting
        /// Connections opened (1 when it never lost one).
        public var connections = 0
        public var deliveries = 0
        public var redeliveries = 0
        /// Messages or events rejected (sent to the dead letters).
        public var rejected = 0
        /// Deliveries acknowledged to the broker.
        public var acknowledged = 0
        /// Acknowledgements dropped because their channel had died (the broker redelivers).
        public var droppedAcknowledgements = 0
    }

    private let splits: Mutex<[Split]>

    init(queues: [String]) { splits = Mutex(queues.map { Split(queue: $0) }) }

    /// A copy of every split's status.
    public var snapshot: [Split] { splits.withLock { $0 } }

    /// True when any split is reconnecting.
    public var isReconnecting: Bool {
        snapshot.contains { if case .reconnecting = $0.state { true } else { false } }
    }

    func update(_ split: Int, _ body: (inout Split) -> Void) { splits.withLock { body(&$0[split]) } }
}
