import SluicePostgres
import Testing

@Suite struct BackoffTests {
    @Test func withoutJitterDelaysDoubleUpToTheCap() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0, seed: 1)
        let delays = (1...7).map { backoff.delayMillis(afterFailures: $0) }
        #expect(delays == [100, 200, 400, 800, 1000, 1000, 1000])
    }

    @Test func jitterShortensWithinItsFractionAndRepeatsForASeed() {
        var a = Backoff(initial: .milliseconds(1000), maximum: .seconds(60), jitter: 0.5, seed: 42)
        var b = Backoff(initial: .milliseconds(1000), maximum: .seconds(60), jitter: 0.5, seed: 42)
        var c = Backoff(initial: .milliseconds(1000), maximum: .seconds(60), jitter: 0.5, seed: 43)
        let first = (1...5).map { a.delayMillis(afterFailures: $0) }
        let again = (1...5).map { b.delayMillis(afterFailures: $0) }
        let other = (1...5).map { c.delayMillis(afterFailures: $0) }
        #expect(first == again)
        #expect(first != other)
        for (i, delay) in first.enumerated() {
            let full = Int64(1000) << i
            #expect(delay <= full && delay >= full / 2, "failure \(i + 1): \(delay) ms")
        }
        // Jitter actually varies the delays: not every one is the uncapped value.
        #expect(first.enumerated().contains { $0.element != Int64(1000) << $0.offset })
    }

    @Test func hugeFailureCountsStayAtTheCap() {
        var backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(30), multiplier: 10, jitter: 0, seed: 0)
        #expect(backoff.delayMillis(afterFailures: 10_000) == 30_000)
    }
}

@Suite struct CircuitBreakerTests {
    static func breaker(threshold: Int = 3) -> CircuitBreaker {
        CircuitBreaker(
            .init(
                failureThreshold: threshold, coolDown: .seconds(10),
                backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(5), jitter: 0, seed: 0)))
    }

    @Test func backsOffBetweenFailuresWhileClosed() {
        var breaker = Self.breaker()
        #expect(breaker.attempt(nowMillis: 0) == .proceed)
        #expect(breaker.recordFailure(nowMillis: 0) == .retry(atMillis: 100))
        #expect(breaker.attempt(nowMillis: 50) == .wait(untilMillis: 100))
        #expect(breaker.attempt(nowMillis: 100) == .proceed)
        #expect(breaker.recordFailure(nowMillis: 100) == .retry(atMillis: 300))
        #expect(breaker.state == .closed(consecutiveFailures: 2))
        #expect(breaker.isClosed)
    }

    @Test func opensAfterTheThresholdAndRejectsUntilTheCoolDownEnds() {
        var breaker = Self.breaker()
        breaker.recordFailure(nowMillis: 0)
        breaker.recordFailure(nowMillis: 100)
        #expect(breaker.recordFailure(nowMillis: 300) == .opened(untilMillis: 10_300))
        #expect(breaker.state == .open(untilMillis: 10_300))
        #expect(!breaker.isClosed)
        #expect(breaker.attempt(nowMillis: 5_000) == .reject(retryAtMillis: 10_300))
        #expect(breaker.attempt(nowMillis: 10_299) == .reject(retryAtMillis: 10_300))
    }

    @Test func oneProbeAfterTheCoolDownClosesOnSuccess() {
        var breaker = Self.breaker(threshold: 1)
        breaker.recordFailure(nowMillis: 0)
        #expect(breaker.attempt(nowMillis: 10_000) == .proceed)
        #expect(breaker.state == .halfOpen)
        // Only one probe at a time.
        #expect(breaker.attempt(nowMillis: 10_001) == .reject(retryAtMillis: 20_001))
        breaker.recordSuccess()
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        #expect(breaker.attempt(nowMillis: 10_002) == .proceed)
    }

    @Test func aFailedProbeReopensForAnotherCoolDown() {
        var breaker = Self.breaker(threshold: 2)
        breaker.recordFailure(nowMillis: 0)
        breaker.recordFailure(nowMillis: 100)
        #expect(breaker.attempt(nowMillis: 10_100) == .proceed)
        #expect(breaker.recordFailure(nowMillis: 10_200) == .opened(untilMillis: 20_200))
        #expect(breaker.attempt(nowMillis: 15_000) == .reject(retryAtMillis: 20_200))
    }

    @Test func aSuccessResetsTheFailureCount() {
        var breaker = Self.breaker(threshold: 3)
        breaker.recordFailure(nowMillis: 0)
        breaker.recordFailure(nowMillis: 100)
        breaker.recordSuccess()
        #expect(breaker.recordFailure(nowMillis: 1_000) == .retry(atMillis: 1_100))
        #expect(breaker.state == .closed(consecutiveFailures: 1))
    }
}
