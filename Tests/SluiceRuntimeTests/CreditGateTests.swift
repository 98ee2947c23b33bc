import Dispatch
import Glibc
import Testing

@testable import SluiceRuntime

@Suite struct CreditGateTests {
    @Test func aSourceTakesEverySlotThenTimesOut() {
        let gate = CreditGate(capacity: 3)
        for _ in 0..<3 { #expect(gate.acquire(timeout: .now())) }
        #expect(!gate.acquire(timeout: .now() + .milliseconds(20)))
        gate.release()
        #expect(gate.acquire(timeout: .now()))
    }

    /// Two sources blocked on one partition both wake once half the slots are back, and
    /// every slot taken is one returned: no source sleeps past its timeout while slots are free.
    @Test func blockedSourcesWakeWhenHalfTheSlotsAreBack() {
        let gate = CreditGate(capacity: 4)
        for _ in 0..<4 { #expect(gate.acquire(timeout: .now())) }
        let woke = DispatchGroup()
        let start = DispatchTime.now()
        for _ in 0..<2 {
            woke.enter()
            DispatchQueue.global().async {
                // Long timeout: only the release can end this wait in time.
                #expect(gate.acquire(timeout: .now() + .seconds(10)))
                woke.leave()
            }
        }
        // Let both go to sleep, then return slots one at a time.
        usleep(50_000)
        gate.release()
        gate.release()
        #expect(woke.wait(timeout: .now() + .seconds(5)) == .success)
        #expect(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds < 5_000_000_000)
    }

    /// Many producers and one consumer: every batch handed over is handled, none twice.
    @Test func slotsAreConservedUnderContention() {
        let gate = CreditGate(capacity: 8)
        let handled = Counter()
        let inbox = DispatchQueue(label: "partition")
        let producers = DispatchGroup()
        for _ in 0..<3 {
            producers.enter()
            DispatchQueue.global().async {
                for _ in 0..<2_000 {
                    while !gate.acquire(timeout: .now() + .milliseconds(50)) {}
                    inbox.async {
                        handled.add()
                        gate.release()
                    }
                }
                producers.leave()
            }
        }
        #expect(producers.wait(timeout: .now() + .seconds(30)) == .success)
        inbox.sync {}
        #expect(handled.value == 6_000)
        // All slots are back.
        for _ in 0..<8 { #expect(gate.acquire(timeout: .now())) }
        #expect(!gate.acquire(timeout: .now()))
    }
}

private final class Counter: @unchecked Sendable {
    private(set) var value = 0
    func add() { value += 1 }
}

