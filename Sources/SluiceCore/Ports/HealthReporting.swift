/// Whether a connector (a sink, a commit group, a source) can currently reach what it
/// talks to, for readiness endpoints. Read from any thread; never on the hot path.
public struct ConnectorHealth: Sendable, Equatable {
    /// What is checked, e.g. "postgres commit group public".
    public var name: String
    /// False while the connector cannot do its work (server down, breaker open).
    public var ready: Bool
    /// Why, for an operator reading `/readyz`: "circuit breaker open for 12 s", "connected".
    public var detail: String
    /// The circuit breaker's state when the connector has one ("closed", "open", "half-open").
    public var breaker: String?

    public init(name: String, ready: Bool, detail: String, breaker: String? = nil) {
        self.name = name
        self.ready = ready
        self.detail = detail
        self.breaker = breaker
    }
}

/// A connector that can say whether it is ready; the runtime asks its sinks and its
/// checkpoint store (`Job.connectorHealth`). Connectors without it count as ready.
public protocol HealthReporting: Sendable {
    var health: ConnectorHealth { get }
}
