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

    /// The jobs now in the group (a reload replaces one or adds one).
    var jobs: [(name: String, job: Job)] { members.withLock { $0 } }
    private let members: Mutex<[(name: String, job: Job)]>
    /// Per running job, signalled when its `run()` has returned (what `replace` waits for).
    private let done = Mutex<[ObjectIdentifier: DispatchSemaphore]>([:])
    /// Jobs being replaced: their outcome is the reload's business, not the run's.
    private let replaced = Mutex<Set<ObjectIdentifier>>([])
    /// Jobs being removed, and their result once `run()` has returned (`remove`).
    private let removing = Mutex<[ObjectIdentifier: Result<RunSummary, any Error>?]>([:])
    private let outcomes = Mutex<[Outcome]>([])
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchGroup()
    private let hooks: Hooks
    /// Lifecycle lines go here when set; otherwise plain text on standard error.
    private let logger: Logger?

    init(_ jobs: [(name: String, job: Job)], hooks: Hooks = Hooks(), logger: Logger? = nil) {
        members = Mutex(jobs)
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
        for (name, job) in jobs { launch(name, job) }
    }

    private func launch(_ name: String, _ job: Job) {
        finished.enter()
        let signal = DispatchSemaphore(value: 0)
        done.withLock { $0[ObjectIdentifier(job)] = signal }
        let thread = Thread { [self] in
            let result = Result { try job.run() }
            let outcome = Outcome(name: name, result: result)
            let removed = removing.withLock { removing -> Bool in
                guard removing.keys.contains(ObjectIdentifier(job)) else { return false }
                removing[ObjectIdentifier(job)] = .some(result)
                return true
            }
            if removed {
                // `remove` reports it.
            } else if replaced.withLock({ $0.contains(ObjectIdentifier(job)) }) {
                logger?.info("the replaced version stopped", metadata: ["pipeline": "\(name)"])
            } else {
                outcomes.withLock { $0.append(outcome) }
                hooks.ended(outcome)
            }
            signal.signal()
            finished.leave()
        }
        thread.name = "sluice.job.\(name)"
        thread.start()
    }

    /// Adds a job for a pipeline that was not running (a new file) and starts it. Refused
    /// (false) once the group is stopping.
    func add(_ name: String, _ job: Job) -> Bool {
        guard !isStopping else { return false }
        members.withLock { $0.append((name, job)) }
        launch(name, job)
        return true
    }

    /// Replaces the running job `name`: stops it gracefully (its last epoch commits with
    /// a final checkpoint) and waits for it, then starts the job `make` builds — after the
    /// old one is done, so it restores that final checkpoint. When `make` fails, `fallback`
    /// builds the job that runs instead (the old version, restoring the same checkpoint).
    /// Returns nil once the group is stopping or the job has ended, else the job now running (nil when neither
    /// could be built) and the error `make` threw, if it did.
    func replace(
        _ name: String, with make: () throws -> Job, fallback: () throws -> Job
    ) -> (running: Job?, error: (any Error)?)? {
        // A job that has ended (its bounded input done, or failed) is not replaced.
        guard !isStopping, unfinished.contains(name), let old = jobs.first(where: { $0.name == name })?.job else { return nil }
        // Holds the group open between the old job's end and the new one's start.
        finished.enter()
        defer { finished.leave() }
        replaced.withLock { _ = $0.insert(ObjectIdentifier(old)) }
        old.stop()
        done.withLock { $0[ObjectIdentifier(old)] }?.wait()
        var failure: (any Error)?
        let job: Job
        do {
            job = try make()
        } catch {
            failure = error
            guard let restored = try? fallback() else { return (nil, error) }
            job = restored
        }
        members.withLock { list in
            if let i = list.firstIndex(where: { $0.name == name }) { list[i] = (name, job) }
        }
        launch(name, job)
        // A stop that arrived meanwhile reached the old job only.
        if isStopping { job.stop() }
        return (job, failure)
    }

    /// Removes the running job `name` (its file was deleted): stops it gracefully, like a
    /// shutdown of that one job (stop reading, drain, final checkpoint, acknowledge), waits
    /// for it and drops it from the group. Returns its result, or nil once the group is
    /// stopping or the job has ended by itself.
    func remove(_ name: String) -> Result<RunSummary, any Error>? {
        guard !isStopping, unfinished.contains(name), let old = jobs.first(where: { $0.name == name })?.job else { return nil }
        // Its outcome is the reload's to report, not the run's summary.
        let id = ObjectIdentifier(old)
        removing.withLock { $0[id] = .some(nil) }
        old.stop()
        done.withLock { $0[id] }?.wait()
        // nil: it ended by itself just before (its outcome is the run's); it stays listed.
        guard let result = removing.withLock({ $0.removeValue(forKey: id) }) ?? nil else { return nil }
        members.withLock { list in list.removeAll { $0.job === old } }
        return result
    }

    /// Asks every job to stop after committing what it has (idempotent).
    func stop(reason: String = "stop requested") {
        guard !stopRequested.exchange(true, ordering: .relaxed) else { return }
        hooks.stopping(reason)
        for (_, job) in jobs { job.stop() }
        // A replacement may be starting right now: it checks `isStopping` after launch.
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
