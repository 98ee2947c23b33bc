import Foundation
import SluiceCore
import SluiceOperators
import SluiceRuntime

/// The JSON of `/pipelines`: per pipeline its graph, partitions (watermark, counters,
/// inbox depth), operators, sinks, source splits, epochs, checkpoint and rates.
struct PipelinesReport: JSONReport {
    struct Counters: Encodable {
        var rowsIn: Int64
        var rowsOut: Int64
        var late: Int64
        var lateUpdates: Int64
        var duplicates: Int64

        init(_ c: OperatorCounters) {
            rowsIn = c.rowsIn
            rowsOut = c.rowsOut
            late = c.late
            lateUpdates = c.lateUpdates
            duplicates = c.duplicates
        }
    }

    struct Partition: Encodable {
        var index: Int
        /// Event time in milliseconds since the epoch, and as ISO 8601.
        var watermark: Int64?
        var watermarkUTC: String?
        var inboxDepth: Int
        var counters: Counters
    }

    struct Operator: Encodable {
        var name: String
        var counters: Counters
    }

    struct SinkEntry: Encodable {
        var name: String
        var rowsWritten: Int64
        var backlogBatches: Int
    }

    struct Split: Encodable {
        var source: String
        var split: Int
        var maxEventTime: Int64?
        var ended: Bool
    }

    struct Checkpoint: Encodable {
        var epoch: UInt64
        var durationSeconds: Double
        var stateBytes: Int
        var saved: Int
    }

    struct Lag: Encodable {
        var source: String
        /// "messages" (ready on the queues) or "bytes" (not yet read from the file).
        var unit: String
        var amount: Int64
    }

    struct Connector: Encodable {
        var name: String
        var ready: Bool
        var detail: String
        var breaker: String?
    }

    struct Pipeline: Encodable {
        var name: String
        /// The partition queue a `PIPELINE#QUEUE` job reads (nil for a pipeline's own job).
        var queue: String?
        var state: String
        var graph: [String]
        var partitions: [Partition]
        var operators: [Operator]
        var sinks: [SinkEntry]
        var splits: [Split]
        var eventsRead: Int64
        var eventsPerSecond: Double
        var rejected: Int64
        var late: Int64
        var duplicates: Int64
        var watermark: Int64?
        var watermarkUTC: String?
        var watermarkDelaySeconds: Double?
        var epochsCommitted: Int
        var lastEpoch: UInt64
        var lastCheckpoint: Checkpoint?
        var connectors: [Connector]
        var consumerLag: [Lag]
    }

    /// A partition queue's job: whether this process has the queue (active), waits for
    /// it, or is done with it; an active one's epochs and lag (its full entry is among
    /// `pipelines`, same name).
    struct QueueJob: Encodable {
        var name: String
        var queue: String
        var state: String
        var epochsCommitted: Int?
        var lastEpoch: UInt64?
        var consumerLag: [Lag]?
    }

    var draining: Bool
    var pipelines: [Pipeline]
    var queueJobs: [QueueJob]

    init(_ state: OpsState, nowMillis: Int64 = SystemTimeSource().nowMillis()) {
        draining = state.isDraining
        pipelines = state.pipelines.map { Self.pipeline($0, state: state, nowMillis: nowMillis) }
        let listed = Dictionary(pipelines.map { ($0.name, $0) }) { a, _ in a }
        queueJobs = state.queueJobs.map { entry in
            let job = entry.state == .waiting ? nil : listed[entry.name]
            return QueueJob(
                name: entry.name, queue: entry.queue, state: entry.state.rawValue, epochsCommitted: job?.epochsCommitted,
                lastEpoch: job?.lastEpoch, consumerLag: job?.consumerLag)
        }
    }

    /// A watermark that means something (not the start or end sentinels).
    static func real(_ w: EventTime?) -> EventTime? {
        guard let w, w != .beginningOfTime, w != .endOfTime else { return nil }
        return w
    }

    static func iso(_ millis: EventTime?) -> String? {
        guard let millis else { return nil }
        return Date(timeIntervalSince1970: Double(millis) / 1000).formatted(.iso8601)
    }

    private static func pipeline(_ p: OpsState.Pipeline, state: OpsState, nowMillis: Int64) -> Pipeline {
        let status = p.job.status
        let watermark = real(status.watermark)
        let runState: String
        switch state.ending(of: p.name) {
        case .finished(let how): runState = how
        case .failed: runState = "failed"
        case nil: runState = status.stopping ? "stopping" : "running"
        }
        return Pipeline(
            name: p.name, queue: p.queue, state: runState, graph: p.graph,
            partitions: status.partitions.map {
                Partition(
                    index: $0.index, watermark: real($0.watermark), watermarkUTC: iso(real($0.watermark)),
                    inboxDepth: $0.inboxDepth, counters: Counters($0.counters))
            },
            operators: status.operators.map { Operator(name: $0.name, counters: Counters($0.counters)) },
            sinks: status.sinks.map { SinkEntry(name: $0.name, rowsWritten: $0.rowsWritten, backlogBatches: $0.backlog) },
            splits: status.splits.map {
                Split(source: $0.source, split: $0.split, maxEventTime: real($0.maxEventTime), ended: $0.ended)
            },
            eventsRead: status.eventsRead, eventsPerSecond: state.rate(p.name, events: status.eventsRead),
            rejected: status.rejected, late: status.late, duplicates: status.duplicates,
            watermark: watermark, watermarkUTC: iso(watermark),
            watermarkDelaySeconds: watermark.map { Double(nowMillis - $0) / 1000 },
            epochsCommitted: status.epochsCommitted, lastEpoch: status.lastEpoch,
            lastCheckpoint: status.lastCheckpoint.map {
                Checkpoint(epoch: $0.epoch, durationSeconds: $0.durationSeconds, stateBytes: $0.stateBytes, saved: $0.saved)
            },
            connectors: p.job.connectorHealth.map {
                Connector(name: $0.name, ready: $0.ready, detail: $0.detail, breaker: $0.breaker)
            },
            consumerLag: p.consumerLags.map { Lag(source: $0.source, unit: $0.lag.unit, amount: $0.lag.amount) })
    }
}
