import Foundation
import SluiceCore
import SluicePipeline
import Synchronization
import Testing

/// Cron schedules and the batch-job scheduler, driven by a manual clock.
@Suite struct SchedulerTests {
    static let midnight: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z, a Thursday
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    @Test func cronSchedulesFireAtTheirTimes() throws {
        let nightly = try CronSchedule("15 0 * * *")
        #expect(nightly.next(after: Self.midnight) == Self.midnight + 15 * Self.minute)
        #expect(nightly.next(after: Self.midnight + 15 * Self.minute) == Self.midnight + 24 * Self.hour + 15 * Self.minute)
        let quarter = try CronSchedule("*/15 * * * *")
        #expect(quarter.next(after: Self.midnight + 1) == Self.midnight + 15 * Self.minute)
        // Weekdays at 09:00: Thursday the 1st, Friday the 2nd, then Monday the 5th.
        let weekdays = try CronSchedule("0 9 * * 1-5")
        var times: [Int64] = []
        var t = Self.midnight
        for _ in 0..<3 {
            t = try #require(weekdays.next(after: t))
            times.append(t)
        }
        #expect(times == [0, 1, 4].map { Self.midnight + $0 * 24 * Self.hour + 9 * Self.hour })
        #expect(try CronSchedule("@daily").next(after: Self.midnight) == Self.midnight + 24 * Self.hour)
        #expect(try CronSchedule("0 0 1 3 *").next(after: Self.midnight) == 1_772_323_200_000)  // 2026-03-01
        #expect(try CronSchedule("0 0 30 2 *").next(after: Self.midnight) == nil)
        for bad in ["* * * *", "60 * * * *", "a * * * *", "*/0 * * * *", "5-1 * * * *"] {
            #expect(throws: CronSchedule.ParseError.self, "\(bad)") { try CronSchedule(bad) }
        }
    }

    @Test func aJobRunsAtItsTimeOverTheRangeSinceTheLastOne() throws {
        let clock = ManualTimeSource(startingAt: Self.midnight)
        let ranges = Mutex<[[Int64]]>([])
        let scheduler = JobScheduler(
            jobs: [.init(name: "hourly", schedule: try CronSchedule("0 * * * *")) { start, end in ranges.withLock { $0.append([start, end]) } }],
            timeSource: clock)
        clock.advance(byMillis: 59 * Self.minute)
        scheduler.tick()
        scheduler.waitForRuns()
        #expect(ranges.withLock { $0 }.isEmpty)
        clock.advance(byMillis: Self.minute)
        scheduler.tick()
        scheduler.waitForRuns()
        #expect(ranges.withLock { $0 } == [[Self.midnight, Self.midnight + Self.hour]])
        #expect(scheduler.outcomes.map(\.error) == [nil])
    }

    @Test func runsOfOneJobNeverOverlapAndMissedTimesRunInOrder() throws {
        let clock = ManualTimeSource(startingAt: Self.midnight)
        let gate = DispatchSemaphore(value: 0)
        let running = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let ranges = Mutex<[Int64]>([])
        let scheduler = JobScheduler(
            jobs: [
                .init(name: "slow", schedule: try CronSchedule("0 * * * *")) { start, _ in
                    let now = running.add(1, ordering: .sequentiallyConsistent).newValue
                    _ = most.max(now, ordering: .sequentiallyConsistent)
                    gate.wait()
                    ranges.withLock { $0.append(start) }
                    running.subtract(1, ordering: .sequentiallyConsistent)
                }
            ], timeSource: clock)
        clock.advance(byMillis: Self.hour)
        scheduler.tick()
        // Three more hours come due while the first run is still going.
        for _ in 0..<3 {
            clock.advance(byMillis: Self.hour)
            scheduler.tick()
        }
        #expect(scheduler.isRunning)
        for _ in 0..<4 {
            gate.signal()
            while scheduler.outcomes.count < ranges.withLock({ $0.count }) || scheduler.isRunning { usleep(1000) }
            scheduler.tick()
        }
        scheduler.waitForRuns()
        #expect(most.load(ordering: .sequentiallyConsistent) == 1)
        #expect(ranges.withLock { $0 } == (0..<4).map { Self.midnight + Int64($0) * Self.hour })
        #expect(scheduler.outcomes.count == 4)
    }

    struct Failure: Error, CustomStringConvertible { var description: String { "the database is down" } }

    @Test func aFailedRunIsRetriedWithBackoffThenReported() throws {
        let clock = ManualTimeSource(startingAt: Self.midnight)
        let attempts = Atomic<Int>(0)
        let scheduler = JobScheduler(
            jobs: [
                .init(name: "flaky", schedule: try CronSchedule("@daily")) { _, _ in
                    if attempts.add(1, ordering: .sequentiallyConsistent).newValue < 3 { throw Failure() }
                }
            ], timeSource: clock, maxAttempts: 3, backoffMillis: Self.minute)
        clock.advance(byMillis: 24 * Self.hour)
        scheduler.tick()
        scheduler.waitForRuns()
        #expect(scheduler.outcomes.map(\.willRetry) == [true])
        scheduler.tick()  // the backoff has not passed
        scheduler.waitForRuns()
        #expect(attempts.load(ordering: .sequentiallyConsistent) == 1)
        clock.advance(byMillis: Self.minute)
        scheduler.tick()
        scheduler.waitForRuns()
        #expect(attempts.load(ordering: .sequentiallyConsistent) == 2)
        clock.advance(byMillis: Self.minute)  // the second wait is twice as long
        scheduler.tick()
        scheduler.waitForRuns()
        #expect(attempts.load(ordering: .sequentiallyConsistent) == 2)
        clock.advance(byMillis: Self.minute)
        scheduler.tick()
        scheduler.waitForRuns()
        let outcomes = scheduler.outcomes
        #expect(outcomes.map(\.attempt) == [1, 2, 3])
        #expect(outcomes.map(\.error) == ["the database is down", "the database is down", nil])
        #expect(outcomes.allSatisfy { $0.start == Self.midnight && $0.end == Self.midnight + 24 * Self.hour })

        // Always failing: given up after the last attempt, and the next day runs anyway.
        let always = JobScheduler(
            jobs: [.init(name: "broken", schedule: try CronSchedule("@daily")) { _, _ in throw Failure() }],
            timeSource: clock, maxAttempts: 2, backoffMillis: Self.minute)
        clock.advance(byMillis: 24 * Self.hour)
        for _ in 0..<3 {
            always.tick()
            always.waitForRuns()
            clock.advance(byMillis: Self.minute)
        }
        #expect(always.outcomes.map(\.willRetry) == [true, false])
    }

    @Test func aPipelineFileCarriesItsScheduleAndABadOneIsAnError() throws {
        let good = PipelineLoader(environment: [:]).load(
            text: """
                pipeline: nightly
                schedule: "0 0 * * *"
                source: { uri: "generator:daa?count=10", format: json }
                sink: { uri: "memory:out", mode: append }
                """, path: "nightly.yaml")
        #expect(good.diagnostics.isEmpty, "\(good.rendered)")
        #expect(good.spec?.schedule == (try CronSchedule("0 0 * * *")))
        let bad = PipelineLoader(environment: [:]).load(
            text: """
                pipeline: nightly
                schedule: "0 25 * * *"
                source: { uri: "generator:daa?count=10", format: json }
                sink: { uri: "memory:out", mode: append }
                """, path: "nightly.yaml")
        #expect(bad.spec == nil)
        #expect(bad.rendered.contains("nightly.yaml:2:12: error: schedule: hour '25' is outside 0-23"), "\(bad.rendered)")
    }

    /// Catch-up policy: a job whose last scheduled range ended before times it missed
    /// (the daemon was down) runs once on start, over the last missed range only, then
    /// keeps its schedule from there; nothing runs when nothing was missed or the job
    /// never ran on a schedule.
    @Test func aMissedTimeIsCaughtUpOnceOnStartOverTheLastMissedRange() throws {
        let hourly = try CronSchedule("0 * * * *")
        // Last run covered [09:00, 10:00); the daemon comes back at 13:30 (11:00, 12:00, 13:00 missed).
        let clock = ManualTimeSource(startingAt: Self.midnight + 13 * Self.hour + 30 * Self.minute)
        let ranges = Mutex<[[Int64]]>([])
        func job(_ name: String, last: Int64?) -> JobScheduler.Job {
            .init(name: name, schedule: hourly, lastRangeEnd: last) { start, end in
                ranges.withLock { $0.append([start, end]) }
            }
        }
        let scheduler = JobScheduler(jobs: [job("down", last: Self.midnight + 10 * Self.hour)], timeSource: clock)
        scheduler.tick()
        scheduler.waitForRuns()
        scheduler.tick()
        scheduler.waitForRuns()
        #expect(ranges.withLock { $0 } == [[Self.midnight + 12 * Self.hour, Self.midnight + 13 * Self.hour]])
        clock.advance(byMillis: 30 * Self.minute)
        scheduler.tick()
        scheduler.waitForRuns()
        #expect(
            ranges.withLock { $0 }.last == [Self.midnight + 13 * Self.hour, Self.midnight + 14 * Self.hour],
            "the schedule goes on from the caught-up time")
        #expect(ranges.withLock { $0 }.count == 2)

        // Only one time missed: its range starts where the last run ended.
        let one = JobScheduler.lastMissedRange(hourly, after: Self.midnight + 12 * Self.hour, upTo: Self.midnight + 13 * Self.hour + 1)
        #expect(one?.start == Self.midnight + 12 * Self.hour && one?.end == Self.midnight + 13 * Self.hour)

        // Nothing missed (the last run ended at the last due time), or never run on a schedule: no run at start.
        ranges.withLock { $0 = [] }
        let restarted = ManualTimeSource(startingAt: Self.midnight + 13 * Self.hour + 30 * Self.minute)
        let quiet = JobScheduler(
            jobs: [job("current", last: Self.midnight + 13 * Self.hour), job("new", last: nil)], timeSource: restarted)
        restarted.advance(byMillis: 10 * Self.minute)
        quiet.tick()
        quiet.waitForRuns()
        #expect(ranges.withLock { $0 }.isEmpty)
    }
}
