import Foundation
public import SluiceCore
import SluiceRuntime

/// One named check of `/healthz` or `/readyz`, passed or failed with the reason.
public struct Check: Sendable, Equatable {
    public var name: String
    public var ok: Bool
    public var detail: String

    public init(name: String, ok: Bool, detail: String) {
        self.name = name
        self.ok = ok
        self.detail = detail
    }

    /// `ok NAME: DETAIL` or `FAIL NAME: DETAIL`, one line.
    public var line: String { "\(ok ? "ok" : "FAIL") \(name): \(detail)" }
}

/// Liveness and readiness, from the jobs' own seams (`Job.unresponsivePartitions`,
/// `Job.connectorHealth`, `Job.status`).
public enum HealthChecks {
    /// Liveness: every partition queue of every running pipeline answers a ping in time.
    /// A pipeline that has ended has no queues to ask and passes (readiness reports it).
    public static func liveness(_ state: OpsState) -> [Check] {
        state.pipelines.map { pipeline in
            let name = "\(pipeline.name) executors"
            if state.ending(of: pipeline.name) != nil { return Check(name: name, ok: true, detail: "job ended") }
            let stuck = pipeline.job.unresponsivePartitions(within: state.configuration.pingTimeout)
            guard stuck.isEmpty else {
                return Check(
                    name: name, ok: false,
                    detail: "partition(s) \(stuck.map(String.init).joined(separator: ", ")) did not answer within \(state.configuration.pingTimeout)")
            }
            return Check(name: name, ok: true, detail: "\(pipeline.job.options.partitions) partition(s) answered")
        }
    }

    /// Readiness: not draining; per pipeline, running, connectors ready (breakers
    /// closed), the watermark within the lag bound and each source's consumer lag within
    /// its bound, when those are configured.
    public static func readiness(_ state: OpsState, nowMillis: Int64 = SystemTimeSource().nowMillis()) -> [Check] {
        var checks: [Check] = []
        checks.append(
            Check(
                name: "process", ok: !state.isDraining,
                detail: state.isDraining ? "draining: shutting down, not taking work" : "running"))
        for pipeline in state.pipelines {
            switch state.ending(of: pipeline.name) {
            case .failed(let reason):
                checks.append(Check(name: "\(pipeline.name) job", ok: false, detail: "failed: \(reason)"))
            case .finished(let how):
                checks.append(Check(name: "\(pipeline.name) job", ok: false, detail: "ended: \(how)"))
            case nil:
                checks.append(Check(name: "\(pipeline.name) job", ok: true, detail: "running"))
            }
            for health in pipeline.job.connectorHealth {
                checks.append(Check(name: "\(pipeline.name) \(health.name)", ok: health.ready, detail: health.detail))
            }
            if let bound = state.configuration.maxLag {
                checks.append(lagCheck(pipeline, bound: bound, nowMillis: nowMillis))
            }
            if let bound = state.configuration.maxConsumerLag {
                for lag in pipeline.consumerLags {
                    checks.append(
                        Check(
                            name: "\(pipeline.name) \(lag.source) consumer lag", ok: lag.lag.amount <= bound,
                            detail: "\(lag.lag.amount) \(lag.lag.unit) waiting (bound \(bound))"))
                }
            }
        }
        return checks
    }

    private static func lagCheck(_ pipeline: OpsState.Pipeline, bound: Duration, nowMillis: Int64) -> Check {
        let name = "\(pipeline.name) lag"
        let boundMillis = bound.components.seconds * 1000 + bound.components.attoseconds / 1_000_000_000_000_000
        guard let watermark = pipeline.job.status.watermark, watermark != .beginningOfTime else {
            return Check(name: name, ok: true, detail: "no watermark yet")
        }
        if watermark == .endOfTime { return Check(name: name, ok: true, detail: "input ended") }
        let lag = nowMillis - watermark
        return Check(
            name: name, ok: lag <= boundMillis,
            detail: "watermark \(lag) ms behind the clock (bound \(boundMillis) ms)")
    }
}
