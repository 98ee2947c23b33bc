/// When to try the database again: backoff between failed attempts, and a breaker that
/// stops trying for a cool-down after repeated failures, so a database that is down does
/// not keep a worker spinning.
///
/// A pure state machine: the owner asks `attempt(nowMillis:)` before each attempt and
/// reports `recordSuccess()` or `recordFailure(nowMillis:)` after it; time comes in as
/// milliseconds from whatever clock the owner (or a test) uses.
///
/// States:
/// - `closed(consecutiveFailures:)`: attempts go ahead once the backoff delay after the last
///   failure has passed. The `failureThreshold`-th consecutive failure opens the breaker.
/// - `open(untilMillis:)`: every attempt is refused until the cool-down ends; then one
///   attempt goes ahead as a probe.
/// - `halfOpen`: the probe is running; further attempts are refused until it reports. A
///   successful probe closes the breaker, a failed one opens it for another cool-down.
///
/// Readiness and job status read `state`.
public struct CircuitBreaker: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// Consecutive failures that open the breaker (at least 1).
        public var failureThreshold: Int
        /// How long the breaker stays open before a probe.
        public var coolDown: Duration
        /// Delays between attempts while closed.
        public var backoff: Backoff

        public init(failureThreshold: Int = 5, coolDown: Duration = .seconds(30), backoff: Backoff = Backoff()) {
            self.failureThreshold = max(1, failureThreshold)
            self.coolDown = coolDown
            self.backoff = backoff
        }
    }

    public enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(untilMillis: Int64)
        case halfOpen
    }

    /// What the owner should do about an attempt it wants to make now.
    public enum Decision: Sendable, Equatable {
        /// Go ahead (a normal attempt, or the probe of an open breaker).
        case proceed
        /// Backing off: try again at `untilMillis`.
        case wait(untilMillis: Int64)
        /// The breaker is open (or its probe is running): fail fast; retry at `retryAtMillis`.
        case reject(retryAtMillis: Int64)
    }

    /// What a failure changed.
    public enum FailureAction: Sendable, Equatable {
        /// Still closed: the next attempt may start at `atMillis`.
        case retry(atMillis: Int64)
        /// The breaker opened (or re-opened after a failed probe) until `untilMillis`.
        case opened(untilMillis: Int64)
    }

    public private(set) var state: State = .closed(consecutiveFailures: 0)
    public let configuration: Configuration
    private var backoff: Backoff
    private var nextAttemptMillis: Int64 = .min
    private let coolDownMillis: Int64

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        backoff = configuration.backoff
        coolDownMillis = max(0, Backoff.millis(configuration.coolDown))
    }

    /// Whether the breaker lets attempts through (closed), for readiness.
    public var isClosed: Bool { if case .closed = state { true } else { false } }

    public mutating func attempt(nowMillis: Int64) -> Decision {
        switch state {
        case .closed:
            return nowMillis >= nextAttemptMillis ? .proceed : .wait(untilMillis: nextAttemptMillis)
        case .open(let until):
            guard nowMillis >= until else { return .reject(retryAtMillis: until) }
            state = .halfOpen
            return .proceed
        case .halfOpen:
            return .reject(retryAtMillis: nowMillis &+ coolDownMillis)
        }
    }

    public mutating func recordSuccess() {
        state = .closed(consecutiveFailures: 0)
        nextAttemptMillis = .min
    }

    @discardableResult
    public mutating func recordFailure(nowMillis: Int64) -> FailureAction {
        switch state {
        case .closed(let failures) where failures + 1 < configuration.failureThreshold:
            state = .closed(consecutiveFailures: failures + 1)
            nextAttemptMillis = nowMillis &+ backoff.delayMillis(afterFailures: failures + 1)
            return .retry(atMillis: nextAttemptMillis)
        case .closed, .open, .halfOpen:
            let until = nowMillis &+ coolDownMillis
            state = .open(untilMillis: until)
            nextAttemptMillis = .min
            return .opened(untilMillis: until)
        }
    }
}
