public import SluiceCore
import SluiceOperators

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

    public init() {}
}

/// What one partition last published about itself.
struct PartitionStatus: Sendable {
    var counters = OperatorCounters()
    var watermark: EventTime?
}
