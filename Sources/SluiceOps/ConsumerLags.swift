public import SluiceCore
import SluiceRuntime

/// One source's consumer lag, as the endpoints report it.
public struct SourceLag: Sendable, Equatable {
    public var source: String
    public var lag: ConsumerLag
}

extension OpsState.Pipeline {
    /// The consumer lag of each source that can tell (`LagReporting`). A RabbitMQ
    /// source asks its broker here at most every few seconds, so call it off the hot path
    /// (scrapes, `/readyz`, `/pipelines`).
    public var consumerLags: [SourceLag] {
        job.dataflow.sources.compactMap { source in
            guard let reporting = source as? any LagReporting, let lag = reporting.consumerLag else { return nil }
            return SourceLag(source: source.name, lag: lag)
        }
    }
}
