public import SluiceCore
public import SluiceOperators

/// A running job's progress, readable from any thread while it runs (status lines,
/// health endpoints). Operator counters are as of each partition's last publication,
/// at most `PartitionExecutor.publishInterval` old.
public struct JobStatus: Sendable, Equatable {
    public var eventsRead: Int64 = 0
    public var rejected: Int64 = 0
    /// Events later than the allowed lateness (sent to late outputs).
    public var late: Int64 = 0
    /// Events that updated an already fired window.
    public var lateUpdates: Int64 = 0
    /// Events dropped by de-duplication.
    public var duplicates: Int64 = 0
    /// The lowest event-time watermark over partitions (nil before any, or without event time).
    public var watermark: EventTime?
    public var epochsCommitted = 0
    /// Fraction of bounded inputs read, when known.
    public var progress: Double?
    /// Per partition: watermark, counters, inbox depth (empty in `combined` statuses).
    public var partitions: [PartitionReport] = []
    /// Per operator (vertex), counters summed over partitions.
    public var operators: [OperatorReport] = []
    /// Per sink: rows written and batches queued.
    public var sinks: [SinkReport] = []
    /// Per source split: the largest event time of the last completed epoch.
    public var splits: [SplitReport] = []
    /// The newest completed epoch (0 before any).
    public var lastEpoch: UInt64 = 0
    /// The last checkpoint saved, when the job keeps checkpoints.
    public var lastCheckpoint: CheckpointReport?
    /// True once a graceful stop was asked for.
    public var stopping = false

    public init() {}
}

/// One partition as last published (every `PartitionExecutor.publishInterval` at most).
public struct PartitionReport: Sendable, Equatable {
    public var index: Int
    public var watermark: EventTime?
    public var counters: OperatorCounters
    /// Source batches in the inbox plus exchanged batches not yet handled.
    public var inboxDepth: Int
}

/// One operator (vertex) of the dataflow, summed over partitions.
public struct OperatorReport: Sendable, Equatable {
    public var name: String
    public var counters: OperatorCounters
}

/// One sink executor.
public struct SinkReport: Sendable, Equatable {
    public var name: String
    public var rowsWritten: Int64
    /// Row batches queued and not yet written.
    public var backlog: Int
}

/// One source split's event-time progress as of the last completed epoch.
public struct SplitReport: Sendable, Equatable {
    public var source: String
    public var split: Int
    public var maxEventTime: EventTime?
    public var ended: Bool
}

/// The last saved checkpoint: how long `save` took and how many state bytes it held.
public struct CheckpointReport: Sendable, Equatable {
    public var epoch: UInt64
    public var durationSeconds: Double
    /// Operator state bytes (all vertices and partitions) in the checkpoint.
    public var stateBytes: Int
    /// Checkpoints saved by this run.
    public var saved: Int

    public init(epoch: UInt64, durationSeconds: Double, stateBytes: Int, saved: Int) {
        self.epoch = epoch
        self.durationSeconds = durationSeconds
        self.stateBytes = stateBytes
        self.saved = saved
    }
}

/// Where event time stands inside one partition, read on its queue
/// (`Job.watermarkProgress`): per vertex, its watermark and each input channel's.
public struct PartitionProgress: Sendable, Equatable {
    public var partition: Int
    public var vertices: [VertexProgress]
}

public struct VertexProgress: Sendable, Equatable {
    public var vertex: String
    /// The watermark the vertex was last given (nil: none yet).
    public var watermark: EventTime?
    public var channels: [ChannelProgress]

    /// The open, non-idle channel with the lowest watermark: the one holding the vertex's
    /// watermark back (nil when every channel is idle or closed).
    public var holding: ChannelProgress? {
        channels.filter { !$0.idle && !$0.closed }.min { $0.watermark < $1.watermark }
    }
}

/// One input channel of a vertex: fed by a source split (`split` = "source/N") or by an
/// upstream partition of an exchange (`split` nil: the channel number is that partition).
public struct ChannelProgress: Sendable, Equatable {
    public var input: Int
    public var channel: Int
    public var split: String?
    public var watermark: EventTime
    public var idle: Bool
    public var closed: Bool
    /// For a channel from another step: that step's name, and the partition it runs in
    /// (this one on a forward edge; on an exchange, the upstream partition), so a reader
    /// can follow the channel back to the source split behind it.
    public var upstream: String? = nil
    public var upstreamPartition: Int? = nil
}

/// One partition's answer to `Job.keyState`: its keyed vertices' state for the key.
public struct PartitionKeyState: Sendable, Equatable {
    public var partition: Int
    public var vertices: [VertexKeyState]
}

/// A keyed vertex's windows for a key, beside its watermark and input channels (read in
/// the same queue turn, so they agree).
public struct VertexKeyState: Sendable, Equatable {
    public var progress: VertexProgress
    public var state: KeyState
}

/// What one partition last published about itself.
struct PartitionStatus: Sendable {
    var counters = OperatorCounters()
    /// Per vertex, in plan order.
    var vertexCounters: [OperatorCounters] = []
    var watermark: EventTime?
}
