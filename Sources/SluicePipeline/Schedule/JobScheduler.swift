import Foundation
public import SluiceCore
import Synchronization

/// Runs bounded jobs at the times of their cron schedules: each due time starts a run over
/// the range from the previous due time to this one (`[start, end)`, epoch ms), on a
/// thread of its own.
///
/// - Two runs of one job never overlap: a time that comes due while the job runs waits
///   and starts when the run ends (in order, none dropped).
/// - A run that throws is retried after `backoffMillis`, doubling each time, up to
///   `maxAttempts` attempts; then it is reported failed and the job moves on.
/// - Time comes from the injected `TimeSource`; `tick()` does the work due now, so a
///   test drives it step by step with a manual clock and a daemon calls it every second
///   (`runLoop`).
/// - Missed times (catch-up): a job that says where its last scheduled range ended
///   (`Job.lastRangeEnd`, from the job records) and whose schedule came due since then
///   while no scheduler ran (the daemon was down) runs **once** on start, over the *last*
///   missed range `[previous due, last due)`; older missed ranges are not run (a nightly
///   report down for a week makes one report, yesterday's; `sluice batch --from --to`
///   fills others by hand). Later ranges follow on from that due time. A job with no
///   record (never run on a schedule) waits for its next time: a new deployment does not
///   start with a backlog.
/// Every attempt's outcome goes to `report` (and `outcomes`).
public final class JobScheduler: Sendable {
    public struct Job: Sendable {
        public var name: String
        public var schedule: CronSchedule
        /// Where the last range this job ran on its schedule ended (epoch ms), if it ever
        /// did: decides whether a time was missed while no scheduler ran.
        public var lastRangeEnd: Int64?
        /// Runs the job over `[start, end)`; throws to fail the attempt.
        public var run: @Sendable (_ start: Int64, _ end: Int64) throws -> Void

        public init(
            name: String, schedule: CronSchedule, lastRangeEnd: Int64? = nil,
            run: @escaping @Sendable (Int64, Int64) throws -> Void
        ) {
            self.name = name
            self.schedule = schedule
            self.lastRangeEnd = lastRangeEnd
            self.run = run
        }
    }

    /// What one attempt did.
    public struct Outcome: Sendable, Equatable {
        public var job: String
        public var start: Int64
        public var end: Int64
        public var attempt: Int
        /// nil: it succeeded.
        public var error: String?
        /// Whether another attempt follows.
        public var willRetry: Bool
    }

    private struct JobState {
        var job: Job
        /// The next due time not yet queued.
        var nextDue: Int64?
        var lastDue: Int64
        /// Ranges due and not yet run, oldest first.
        var queue: [(start: Int64, end: Int64)] = []
        var running = false
        /// When the queued head may be retried, and its attempt number.
        var retryAt: Int64?
        var attempt = 1
    }

    private let timeSource: any TimeSource
    public let maxAttempts: Int
    public let backoffMillis: Int64
    private let report: @Sendable (Outcome) -> Void
    private let state: Mutex<[JobState]>
    private let finished = Mutex<[Outcome]>([])
    private let active = DispatchGroup()

    /// - Parameter startingAt: times after this are due (default: now): a schedule never
    ///   runs for times before the scheduler started.
    public init(
        jobs: [Job], timeSource: any TimeSource, maxAttempts: Int = 3, backoffMillis: Int64 = 60_000,
        startingAt: Int64? = nil, report: @escaping @Sendable (Outcome) -> Void = { _ in }
    ) {
        self.timeSource = timeSource
        self.maxAttempts = max(1, maxAttempts)
        self.backoffMillis = backoffMillis
        self.report = report
        let now = startingAt ?? timeSource.nowMillis()
        state = Mutex(
            jobs.map { job in
                var state = JobState(job: job, nextDue: job.schedule.next(after: now), lastDue: now)
                if let last = job.lastRangeEnd, let missed = Self.lastMissedRange(job.schedule, after: last, upTo: now) {
                    state.queue.append(missed)
                    state.lastDue = missed.end
                }
                return state
            })
    }

    /// The range of the latest due time in `(last, now]` — from the due time before it (or
    /// `last`, when it is the first) — or nil when none came due.
    public static func lastMissedRange(_ schedule: CronSchedule, after last: Int64, upTo now: Int64) -> (start: Int64, end: Int64)? {
        guard var due = schedule.next(after: last), due <= now else { return nil }
        var previous = last
        // Bounded: a minutely schedule down for two years is about a million steps.
        for _ in 0..<2_000_000 {
            guard let following = schedule.next(after: due), following <= now else { break }
            previous = due
            due = following
        }
        return (previous, due)
    }

    /// Every attempt so far, in the order they ended.
    public var outcomes: [Outcome] { finished.withLock { $0 } }

    /// True while some run is going.
    public var isRunning: Bool { state.withLock { $0.contains { $0.running } } }

    /// Queues what came due and starts what may start now.
    public func tick() {
        let now = timeSource.nowMillis()
        let starts: [(Int, Job, Int64, Int64, Int)] = state.withLock { states in
            var starts: [(Int, Job, Int64, Int64, Int)] = []
            for i in states.indices {
                while let due = states[i].nextDue, due <= now {
                    states[i].queue.append((states[i].lastDue, due))
                    states[i].lastDue = due
                    states[i].nextDue = states[i].job.schedule.next(after: due)
                }
                guard !states[i].running, let head = states[i].queue.first else { continue }
                if let retryAt = states[i].retryAt, retryAt > now { continue }
                states[i].running = true
                starts.append((i, states[i].job, head.start, head.end, states[i].attempt))
            }
            return starts
        }
        for (index, job, start, end, attempt) in starts {
            active.enter()
            let thread = Thread { [self] in
                defer { active.leave() }
                var error: String?
                do { try job.run(start, end) } catch let failure { error = "\(failure)" }
                finish(index, job: job.name, start: start, end: end, attempt: attempt, error: error)
            }
            thread.name = "sluice.schedule.\(job.name)"
            thread.start()
        }
    }

    private func finish(_ index: Int, job: String, start: Int64, end: Int64, attempt: Int, error: String?) {
        let now = timeSource.nowMillis()
        let willRetry = error != nil && attempt < maxAttempts
        state.withLock { states in
            states[index].running = false
            if willRetry {
                states[index].attempt = attempt + 1
                states[index].retryAt = now + backoffMillis << Int64(attempt - 1)
            } else {
                states[index].queue.removeFirst()
                states[index].attempt = 1
                states[index].retryAt = nil
            }
        }
        let outcome = Outcome(job: job, start: start, end: end, attempt: attempt, error: error, willRetry: willRetry)
        finished.withLock { $0.append(outcome) }
        report(outcome)
    }

    /// Waits until no run is going (tests; a daemon's shutdown).
    public func waitForRuns() { active.wait() }

    /// Ticks every `intervalMillis` of wall time until `shouldStop` says so.
    public func runLoop(intervalMillis: Int = 1000, shouldStop: @Sendable () -> Bool) {
        while !shouldStop() {
            tick()
            Thread.sleep(forTimeInterval: Double(intervalMillis) / 1000)
        }
    }
}
