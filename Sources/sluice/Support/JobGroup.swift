import Dispatch
import Foundation
import Logging
import SluicePipeline
import SluiceRuntime
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs several jobs at once, each on its own thread, and stops them all gracefully on
/// SIGINT/SIGTERM or when a time limit passes (stop reading, drain, flush).
final class JobGroup: Sendable {
    struct Outcome: Sendable {
        var name: String
        var result: Result<RunSummary, any Error>
    }

    /// What the group tells its owner (`sluice run`'s endpoints and shutdown deadline).
    struct Hooks: Sendable {
        /// A graceful stop began (signal or time limit), with why.
        var stopping: @Sendable (String) -> Void = { _ in }
        /// A job's `run()` returned.
        var ended: @Sendable (Outcome) -> Void = { _ in }
    }

    let jobs: [(name: String, job: Job)]
    private let outcomes = Mutex<[Outcome]>([])
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchGroup()
    private let hooks: Hooks
    /// Lifecycle lines go here when set; otherwise plain text on standard error.
    private let logger: Logger?

    init(_ jobs: [(name: String, job: Job)], hooks: Hooks = Hooks(), logger: Logger? = nil) {
        self.jobs = jobs
        self.hooks = hooks
        self.logger = logger
    }

    /// Names of the jobs whose `run()` has not returned yet.
    var unfinished: [String] {
        let done = Set(outcomes.withLock { $0.map(\.name) })
        return jobs.map(\.name).filter { !done.contains($0) }
    }

    /// Starts every job; returns at once.
    func start() {
        for (name, job) in jobs {
            finished.enter()
            let thread = Thread { [self] in
                let result = Result { try job.run() }
                let outcome = Outcome(name: name, result: result)
                outcomes.withLock { $0.append(outcome) }
                hooks.ended(outcome)
                finished.leave()
            }
            thread.name = "sluice.job.\(name)"
            thread.start()
        }
    }

    /// Asks every job to stop after committing what it has (idempotent).
    func stop(reason: String = "stop requested") {
        guard !stopRequested.exchange(true, ordering: .relaxed) else { return }
        hooks.stopping(reason)
        for (_, job) in jobs { job.stop() }
    }

    var isStopping: Bool { stopRequested.load(ordering: .relaxed) }

    /// Waits for every job; `tick` runs about every `interval` while waiting (status lines).
    func wait(every interval: Duration = .milliseconds(250), tick: () -> Void = {}) -> [Outcome] {
        let step = DispatchTimeInterval.milliseconds(Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000))
        while finished.wait(timeout: .now() + step) == .timedOut { tick() }
        let names = jobs.map(\.name)
        return outcomes.withLock { $0 }.sorted { names.firstIndex(of: $0.name)! < names.firstIndex(of: $1.name)! }
    }

    /// SIGINT and SIGTERM stop the jobs gracefully; a second signal exits at once.
    func stopOnSignals() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let name = number == SIGINT ? "SIGINT" : "SIGTERM"
            source.setEventHandler { [self] in
                if isStopping {
                    if let logger {
                        logger.warning("stopping now, without waiting for the drain", metadata: ["signal": "\(name)"])
                    } else {
                        Terminal.printError("\nsluice: stopping now, without waiting for the drain")
                    }
                    exit(130)
                }
                if let logger {
                    logger.notice(
                        "stopping: draining and flushing (a second signal quits at once)", metadata: ["signal": "\(name)"])
                } else {
                    Terminal.printError("\nsluice: stopping: draining and flushing (press Ctrl-C again to quit at once)")
                }
                stop(reason: name)
            }
            source.resume()
            return source
        }
    }

    /// Stops the jobs after `duration`.
    func stop(after duration: Duration) -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let millis = Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        timer.schedule(deadline: .now() + .milliseconds(millis))
        timer.setEventHandler { [self] in
            logger?.notice("stopping: the time limit passed; draining and flushing", metadata: ["after": "\(duration)"])
            stop(reason: "time limit")
        }
        timer.resume()
        return timer
    }
}
