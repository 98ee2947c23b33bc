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
/// Every attempt's outcome goes to `report` (and `outcomes`).
public final class JobScheduler: Sendable {
    public struct Job: Sendable {
        public var name: String
        public var schedule: CronSchedule
        /// Runs the job over `[start, end)`; throws to fail the attempt.
        public var run: @Sendable (_ start: Int64, _ end: Int64) throws -> Void

        public init(name: String, schedule: CronSchedule, run: @escaping @Sendable (Int64, Int64) throws -> Void) {
            self.name = name
            self.schedule = schedule
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
        state = Mutex(jobs.map { JobState(job: $0, nextDue: $0.schedule.next(after: now), lastDue: now) })
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
