public import SluiceCore

/// How a job runs: parallelism, batching, epochs, clocks and where dead letters go.
public struct RunOptions: Sendable {
    /// Serial worker queues executing partitions (default: one per core; bounded jobs
    /// pass `boundedJobWorkers`).
    public var workers: Int
    /// Partitions of keyed state; results are identical for any value (default: workers).
    public var partitions: Int
    /// Rows per batch a partition should receive: a source split reads this many rows per
    /// chunk, or `batchRows × partitions` when it feeds a keyed exchange (which cuts each
    /// chunk into one part per partition; per-batch costs stay amortized).
    public var batchRows = 4096
    /// Watermark alignment: a source split more than this far (event time) ahead of the
    /// slowest split of its source waits (`SplitAlignment`); nil turns it off. Applies to
    /// sources with event time whose splits end or go idle after a timeout.
    public var maxSplitDriftMillis: Int64? = 1000
    /// Source batches a partition may have queued before its sources block (backpressure).
    public var inboxCapacity = 8
    /// Start a new epoch (checkpoint, sink commit, acknowledgement) this often.
    public var epochIntervalMillis: Int64? = 1000
    /// Epochs begun but not yet durable, at most (clock-driven epochs): a new epoch waits
    /// while this many are pending, so a slow store stretches epochs instead of piling up
    /// snapshots and prepared rows in memory.
    public var maxPendingEpochs = 2
    /// Or: start a new epoch after this many batches of each split (deterministic tests).
    public var epochEveryBatches: Int? = nil
    /// Processing-time tick for partial results of open windows.
    public var tickIntervalMillis: Int64 = 250
    /// The processing-time clock.
    public var timeSource: any TimeSource = SystemTimeSource()
    /// Where undecodable records go. Without one they are counted and kept in the summary.
    public var deadLetter: (any RejectionSink)? = nil
    /// Completed checkpoints are saved here; nil disables operator snapshots.
    public var checkpointStore: (any CheckpointStore)? = nil
    /// Resume from this checkpoint (its partition count must match).
    public var restoreFrom: Checkpoint? = nil
    /// Saved with every checkpoint beside the operators' states, each as
    /// `states[key] == [value]`: what the caller needs to tell later whether a stored
    /// checkpoint is its own (`sluice run` keeps its sources' identity there). Keys start
    /// with "@", which no operator's name can.
    public var checkpointAnnotations: [String: [UInt8]] = [:]
    /// Called after each epoch is durable everywhere, on the job's completion queue: it must
    /// not block (every later epoch waits for it).
    public var onEpochComplete: (@Sendable (Epoch) -> Void)? = nil
    /// Called after each checkpoint is saved, with its duration and size (metrics), on the
    /// completion queue too.
    public var onCheckpointSaved: (@Sendable (CheckpointReport) -> Void)? = nil

    public init(workers: Int? = nil, partitions: Int? = nil) {
        let cores = Self.coreCount
        self.workers = max(1, workers ?? cores)
        self.partitions = max(1, partitions ?? self.workers)
    }

    /// The workers of a bounded job (`sluice batch`, `replay`, `rebuild`, `repair`, and the
    /// scheduled batch jobs of `sluice run`): `requested`, else half the cores, at least one.
    /// Its sources read and decode on threads of their own (a reader and up to three
    /// decode-ahead helpers per file split, a generator's thread), which do about half of a
    /// W2 job's work, so one worker per core oversubscribes the machine: each extra worker
    /// adds a partition, behind an exchange, whose executor competes with the decoding.
    /// Measured only on 2 cores (Benchmarks/README.md, session 23): one worker ran
    /// workflow-runs 1.15× and W1-file 1.16× as fast as two, the other W2 jobs within noise.
    public static func boundedJobWorkers(_ requested: Int?) -> Int {
        max(1, requested ?? coreCount / 2)
    }

    /// The options of a bounded job: `boundedJobWorkers(workers)`, and partitions as given,
    /// else as many as the workers (`init`'s default).
    public static func boundedJob(workers: Int?, partitions: Int?) -> RunOptions {
        RunOptions(workers: boundedJobWorkers(workers), partitions: partitions)
    }

    static var coreCount: Int {
        #if canImport(Glibc)
            return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
            return 1
        #endif
    }
}

#if canImport(Glibc)
    import Glibc
#endif
