import Dispatch
import Foundation
import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle
import SluiceRuntime
import Synchronization

/// The HTTP side of `sluice run`: `/healthz`, `/readyz`, `/metrics`, `/pipelines` and
/// `/pipelines/NAME/windows?key=…`, served by Hummingbird inside a swift-service-lifecycle
/// `ServiceGroup` next to the metrics sampler.
///
/// The command is synchronous (jobs run on their own threads); `start()` runs the group on
/// Swift concurrency's pool and returns once the port is bound (or throws why not), and
/// `stop()` shuts it down gracefully. Signals stay with the command (`JobGroup`): the
/// group installs no handlers of its own.
public final class OpsServer: Sendable {
    public let state: OpsState
    public let metrics: OpsMetrics
    private let logger: Logger
    private let group = Mutex<ServiceGroup?>(nil)
    private let ended = DispatchSemaphore(value: 0)

    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(state: OpsState, metrics: OpsMetrics, logger: Logger) {
        self.state = state
        self.metrics = metrics
        self.logger = logger
    }

    /// Binds and starts serving; returns the bound port (the configured one, or the one
    /// the system picked for port 0).
    /// - Throws: `StartFailure` when the address cannot be bound within `timeout`.
    public func start(timeout: Duration = .seconds(10)) throws -> Int {
        let bound = Mutex<Result<Int, StartFailure>?>(nil)
        let signal = DispatchSemaphore(value: 0)
        var quiet = logger
        quiet.logLevel = .warning  // Hummingbird's own per-request and start lines stay out
        let application = Application(
            router: Routes.router(state: state, metrics: metrics),
            configuration: ApplicationConfiguration(
                address: .hostname(state.configuration.host, port: state.configuration.port), serverName: nil),
            onServerRunning: { channel in
                bound.withLock { $0 = .success(channel.localAddress?.port ?? -1) }
                signal.signal()
            },
            logger: quiet)
        let sampler = MetricsSampler(state: state, metrics: metrics)
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    ServiceGroupConfiguration.ServiceConfiguration(service: application),
                    ServiceGroupConfiguration.ServiceConfiguration(service: sampler),
                ],
                gracefulShutdownSignals: [], logger: quiet))
        group.withLock { $0 = serviceGroup }
        // On our own executor, not Swift's shared pool: that pool has one thread per core,
        // and code that blocks its threads (tests waiting synchronously, a library) must not
        // be able to keep the endpoints from starting or answering.
        Task(executorPreference: OpsExecutor.shared) { [ended] in
            do {
                try await serviceGroup.run()
            } catch {
                bound.withLock { if $0 == nil { $0 = .failure(StartFailure(description: "\(error)")) } }
                signal.signal()
            }
            ended.signal()
        }
        let millis = Int(timeout.components.seconds * 1000)
        if signal.wait(timeout: .now() + .milliseconds(millis)) == .timedOut {
            throw StartFailure(description: "the HTTP server did not start within \(timeout)")
        }
        let port = try bound.withLock { $0! }.get()
        logger.notice(
            "http endpoints listening on \(state.configuration.host):\(port)",
            metadata: ["address": "\(state.configuration.host):\(port)", "paths": "/healthz /readyz /metrics /pipelines"])
        return port
    }

    /// Stops serving (open requests finish) and waits up to `timeout` for it.
    public func stop(timeout: Duration = .seconds(5)) {
        guard let serviceGroup = group.withLock({ $0 }) else { return }
        Task { await serviceGroup.triggerGracefulShutdown() }
        _ = ended.wait(timeout: .now() + .seconds(Int(timeout.components.seconds)))
    }
}

/// Refreshes the metrics (and the event rates) once a second, so gauges move and rates
/// exist even between scrapes. Ends on graceful shutdown.
struct MetricsSampler: Service {
    let state: OpsState
    let metrics: OpsMetrics

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                metrics.refresh(state)
                for pipeline in state.pipelines { _ = state.rate(pipeline.name, events: pipeline.job.eventsRead) }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

/// Runs the endpoints' tasks on a dedicated concurrent Dispatch queue (children inherit
/// the preference), so their progress never depends on free threads in the shared pool.
final class OpsExecutor: TaskExecutor {
    static let shared = OpsExecutor()
    private let queue = DispatchQueue(label: "sluice.ops", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        queue.async { unowned.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
