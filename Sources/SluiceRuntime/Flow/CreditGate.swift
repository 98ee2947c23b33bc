import Dispatch
import Synchronization

/// Slots in a partition's inbox for source batches: sources take one per batch, the
/// partition returns it once the batch is handled.
///
/// A blocked source is woken only when half the slots are free again, not at every
/// returned slot: a source is usually far ahead of its partition, and waking it per batch
/// costs a futex wake-up (tens of microseconds on a VM) per batch. Woken at half, it
/// refills the inbox in one go. A source only blocks with no slot left, so every slot is
/// then out in the inbox and will come back: the wake-up always comes.
final class CreditGate: Sendable {
    private struct State {
        var available: Int
        /// Sources asleep on `wakeUp` (counted when they went to sleep).
        var waiters = 0
    }
    private let state: Mutex<State>
    private let wakeUp = DispatchSemaphore(value: 0)
    private let wakeAt: Int
    private let capacity: Int

    init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
        state = Mutex(State(available: capacity))
        wakeAt = max(1, capacity / 2)
    }

    /// Takes a slot, waiting up to `timeout` for one; false if none came in time.
    func acquire(timeout: DispatchTime) -> Bool {
        while true {
            let taken = state.withLock { state in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters += 1
                return false
            }
            if taken { return true }
            // A wake-up meant for a wait that timed out is left over; it only causes
            // another look.
            if wakeUp.wait(timeout: timeout) == .timedOut { return false }
        }
    }

    /// Slots taken and not yet returned: batches in the inbox (for status, not the hot path).
    var inUse: Int { capacity - state.withLock { $0.available } }

    /// Returns a slot.
    func release() {
        let sleepers = state.withLock { state in
            state.available += 1
            guard state.waiters > 0, state.available >= wakeAt else { return 0 }
            defer { state.waiters = 0 }
            return state.waiters
        }
        for _ in 0..<sleepers { wakeUp.signal() }
    }
}
