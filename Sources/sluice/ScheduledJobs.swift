import Dispatch
import Foundation
import SluiceCore
import SluicePipeline
import Synchronization

/// The pipelines with a `schedule:` among those `sluice run` was given: run as batch jobs
/// at their times (`JobScheduler`: never overlapping, retried with backoff), each run over
/// the range since the previous due time as `${RANGE_START}`/`${RANGE_END}`, each kept
/// in the job records (`sluice jobs`). The streaming pipelines run beside them.
final class ScheduledJobs: Sendable {
    private let scheduler: JobScheduler
    private let stopping = Atomic<Bool>(false)
    private let loop = DispatchGroup()

    /// The files among `files` whose pipeline has a schedule.
    static func scheduledFiles(_ files: [String]) -> [(path: String, name: String, schedule: CronSchedule)] {
        files.compactMap { path in
            guard let spec = PipelineLoader().load(contentsOf: path).spec, let schedule = spec.schedule else { return nil }
            return (path, spec.name, schedule)
        }
    }

    /// Starts ticking for `files` (those with a schedule); nil when none has one.
    static func start(files: [(path: String, name: String, schedule: CronSchedule)], workers: Int?) -> ScheduledJobs? {
        guard !files.isEmpty else { return nil }
        let records = JobRecord.load()
        let jobs = files.map { file in
            JobScheduler.Job(
                name: file.name, schedule: file.schedule, lastRangeEnd: JobRecord.lastScheduledEnd(of: file.name, in: records)
            ) { start, end in
                let range = BatchRange(start: start, end: end)
                try BatchExecution(
                    path: file.path, overrides: [:], environment: range.environment, workers: workers, partitions: nil,
                    record: JobRecord.Context(kind: "scheduled", range: range)
                ).run()
            }
        }
        for file in files {
            Terminal.printError("\(file.name): scheduled (\(file.schedule), UTC); sluice jobs lists its runs")
        }
        let scheduled = ScheduledJobs(JobScheduler(jobs: jobs, timeSource: SystemTimeSource()) { outcome in
            guard let error = outcome.error else { return }
            Terminal.printError(
                "\(outcome.job): scheduled run \(outcome.attempt) failed: \(error)" + (outcome.willRetry ? "; retrying with backoff" : "; giving up on this range"))
        })
        scheduled.loop.enter()
        let thread = Thread { [scheduled] in
            scheduled.scheduler.runLoop { scheduled.stopping.load(ordering: .relaxed) }
            scheduled.loop.leave()
        }
        thread.name = "sluice.scheduler"
        thread.start()
        return scheduled
    }

    private init(_ scheduler: JobScheduler) { self.scheduler = scheduler }

    /// With only scheduled pipelines, `run` waits here: until SIGINT/SIGTERM or `limit`.
    func waitForStop(limit: Duration?) {
        let stop = DispatchSemaphore(value: 0)
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            return source
        }
        withExtendedLifetime(sources) {
            if let limit {
                let parts = limit.components
                _ = stop.wait(timeout: .now() + .milliseconds(Int(parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000)))
            } else {
                stop.wait()
            }
        }
    }

    /// Stops starting runs and waits for the ones going.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        loop.wait()
        scheduler.waitForRuns()
    }
}
