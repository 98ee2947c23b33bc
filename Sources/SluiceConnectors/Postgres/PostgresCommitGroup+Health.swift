public import SluiceCore
import SluicePostgres

/// Readiness of a PostgreSQL commit group: its circuit breaker. Ready only while the
/// breaker is closed with no failed attempt pending; a failing database is reported
/// before the job gives up on it.
extension PostgresCommitGroup: HealthReporting {
    public var health: ConnectorHealth {
        // The URI may carry a password: the schema names the group well enough.
        let name = "postgres commit group (schema \(namespace))"
        switch breakerState {
        case .closed(let failures) where failures == 0:
            return ConnectorHealth(name: name, ready: true, detail: "breaker closed", breaker: "closed")
        case .closed(let failures):
            return ConnectorHealth(
                name: name, ready: false, detail: "breaker closed, \(failures) failed attempt(s), retrying",
                breaker: "closed")
        case .open(let until):
            let wait = max(0, until - SystemTimeSource().nowMillis())
            return ConnectorHealth(
                name: name, ready: false, detail: "breaker open, next attempt in \(wait) ms", breaker: "open")
        case .halfOpen:
            return ConnectorHealth(name: name, ready: false, detail: "breaker half-open, probing", breaker: "half-open")
        }
    }
}
