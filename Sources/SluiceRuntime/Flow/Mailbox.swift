import Synchronization

/// A multi-producer queue drained by one consumer that is scheduled on demand.
///
/// `push` returns true when the consumer was idle and must be scheduled; the consumer
/// calls `takeAll` until it returns an empty array, which marks it idle again under the
/// same lock, so no message is ever left behind without a scheduled drain.
final class Mailbox<Message: Sendable>: Sendable {
    private struct State {
        var messages: [Message] = []
        var scheduled = false
    }
    private let state = Mutex(State())

    /// Appends a message; returns true if the caller must schedule a drain.
    func push(_ message: Message) -> Bool {
        state.withLock { state in
            state.messages.append(message)
            if state.scheduled { return false }
            state.scheduled = true
            return true
        }
    }

    /// Everything queued, or empty (and the consumer marked idle) when nothing is.
    func takeAll() -> [Message] {
        state.withLock { state in
            if state.messages.isEmpty {
                state.scheduled = false
                return []
            }
            var taken: [Message] = []
            swap(&taken, &state.messages)
            return taken
        }
    }
}
