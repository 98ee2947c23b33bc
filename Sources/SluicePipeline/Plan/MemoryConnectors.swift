public import SluiceConnectors
import Synchronization

/// The `memory:NAME` sinks of a run, so the code that started it (tests) can read what
/// each one received. The same name always yields the same sink; a sink with a view is
/// called `NAME.VIEW` (`memory:views` with `view: agent_state` → `views.agent_state`).
public final class MemoryConnectors: Sendable {
    private let sinks = Mutex<[String: MemorySink]>([:])

    /// An empty set of memory sinks.
    public init() {}

    /// The sink called `name`, created on first use.
    public func sink(named name: String) -> MemorySink {
        sinks.withLock { sinks in
            if let sink = sinks[name] { return sink }
            let sink = MemorySink(name: name)
            sinks[name] = sink
            return sink
        }
    }

    /// Every sink created so far, by name.
    public var all: [String: MemorySink] { sinks.withLock { $0 } }
}
