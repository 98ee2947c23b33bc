import Dispatch
import Foundation
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

    let jobs: [(name: String, job: Job)]
    private let outcomes = Mutex<[Outcome]>([])
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchGroup()

    init(_ jobs: [(name: String, job: Job)]) { self.jobs = jobs }

    /// Starts every job; returns at once.
    func start() {
        for (name, job) in jobs {
            finished.enter()
            let thread = Thread { [self] in
                let result = Result { try job.run() }
                outcomes.withLock { $0.append(Outcome(name: name, result: result)) }
                finished.leave()
            }
            thread.name = "sluice.job.\(name)"
            thread.start()
        }
    }

    /// Asks every job to stop after committing what it has (idempotent).
    func stop() {
        guard !stopRequested.exchange(true, ordering: .relaxed) else { return }
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
            source.setEventHandler { [self] in
                if isStopping {
                    Terminal.printError("\nsluice: stopping now, without waiting for the drain")
                    exit(130)
                }
                Terminal.printError("\nsluice: stopping: draining and flushing (press Ctrl-C again to quit at once)")
                stop()
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
        timer.setEventHandler { [self] in stop() }
        timer.resume()
        return timer
    }
}
