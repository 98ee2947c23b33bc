import Foundation
public import SluiceRuntime
import Synchronization

/// The running pipelines as the endpoints see them: each one's job, whether it has
/// finished, whether the process is draining, and event rates from periodic samples.
///
/// Everything here reads `Job.status` and the job's own seams (ping, connector health);
/// nothing touches the hot path.
public final class OpsState: Sendable {
    public struct Pipeline: Sendable {
        public let name: String
        public let job: Job
        /// Operator names in plan order, with their kind, for `/pipelines`.
        public let graph: [String]
        /// The partition queue this job reads, for the jobs of a pipeline over partitioned
        /// RabbitMQ queues (`PIPELINE#QUEUE`); nil for a pipeline's own job.
        public let queue: String?

        public init(name: String, job: Job, graph: [String] = [], queue: String? = nil) {
            self.name = name
            self.job = job
            self.graph = graph
            self.queue = queue
        }
    }

    /// One partition queue's job (`PIPELINE#QUEUE`) as the endpoints list it: waiting until
    /// the broker makes this process the queue's active consumer, active (then also among
    /// `pipelines`, with its job), or ended.
    public struct QueueJob: Sendable, Equatable {
        public enum State: String, Sendable { case waiting, active, ended }
        public var name: String
        public var queue: String
        public var state: State

        public init(name: String, queue: String, state: State) {
            self.name = name
            self.queue = queue
            self.state = state
        }
    }

    /// How a pipeline's job ended, once it has.
    public enum Ending: Sendable, Equatable {
        case finished(String)
        case failed(String)
    }

    /// The pipelines now running (a reload replaces or adds one: `put`).
    public var pipelines: [Pipeline] { current.withLock { $0 } }
    private let current: Mutex<[Pipeline]>
    public let configuration: OpsConfiguration
    private let draining = Atomic<Bool>(false)
    private let endings = Mutex<[String: Ending]>([:])
    private let rates = Mutex<[String: RateSample]>([:])
    private let queues = Mutex<[QueueJob]>([])

    /// The partition queues' jobs, in the order they were first reported.
    public var queueJobs: [QueueJob] { queues.withLock { $0 } }

    /// A queue's job changed state (`PartitionQueueJobs`); `active` also lists its job
    /// among the pipelines.
    public func setQueueJob(_ entry: QueueJob) {
        queues.withLock { list in
            if let i = list.firstIndex(where: { $0.name == entry.name }) {
                list[i] = entry
            } else {
                list.append(entry)
            }
        }
    }

    struct RateSample {
        var events: Int64
        var at: ContinuousClock.Instant
        var perSecond: Double
    }

    public init(pipelines: [Pipeline], configuration: OpsConfiguration) {
        current = Mutex(pipelines)
        self.configuration = configuration
    }

    /// The process is shutting down: readiness fails from now on.
    public func markDraining() { draining.store(true, ordering: .relaxed) }
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// A pipeline's job returned.
    public func markEnded(_ name: String, _ ending: Ending) { endings.withLock { $0[name] = ending } }
    public func ending(of name: String) -> Ending? { endings.withLock { $0[name] } }

    /// Events per second read by `name`, averaged over at least `window` between samples.
    /// Each call takes a sample; the first returns 0.
    public func rate(_ name: String, events: Int64, window: Duration = .seconds(1)) -> Double {
        let now = ContinuousClock.now
        return rates.withLock { rates in
            guard var sample = rates[name] else {
                rates[name] = RateSample(events: events, at: now, perSecond: 0)
                return 0
            }
            let elapsed = now - sample.at
            if elapsed >= window {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                sample.perSecond = Double(events - sample.events) / seconds
                sample.events = events
                sample.at = now
                rates[name] = sample
            }
            return sample.perSecond
        }
    }

    public func pipeline(named name: String) -> Pipeline? { pipelines.first { $0.name == name } }

    /// A reload started `pipeline`: it replaces the job of that name (or joins the list),
    /// its ending and rate sample are forgotten.
    public func put(_ pipeline: Pipeline) {
        current.withLock { list in
            if let i = list.firstIndex(where: { $0.name == pipeline.name }) {
                list[i] = pipeline
            } else {
                list.append(pipeline)
            }
        }
        endings.withLock { $0[pipeline.name] = nil }
        rates.withLock { $0[pipeline.name] = nil }
    }

    /// A pipeline's file was deleted and its job stopped: it leaves the endpoints
    /// (`/pipelines` and its queue jobs, readiness, liveness) with its ending and rate sample.
    public func remove(_ name: String) {
        current.withLock { list in list.removeAll { $0.name == name } }
        queues.withLock { list in list.removeAll { $0.name == name } }
        endings.withLock { $0[name] = nil }
        rates.withLock { $0[name] = nil }
    }
}
