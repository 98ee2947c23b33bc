public import SluiceCore
import Synchronization

/// A checkpoint store for the benchmarks: counts the checkpoints saved and their state
/// bytes, checks that epochs rise, and keeps no checkpoint, as a store on disk keeps none
/// in memory once it is written (a kept checkpoint would also keep the executors from
/// reusing its snapshot buffers). `latest` is nil: a benchmark never restores.
public final class CountingCheckpointStore: CheckpointStore {
    private let state = Mutex<(lastEpoch: Epoch?, saved: Int, bytes: Int)>((nil, 0, 0))

    public init() {}

    public func save(_ checkpoint: Checkpoint, pipeline: String) throws {
        let bytes = checkpoint.states.values.reduce(0) { total, partitions in
            partitions.reduce(total) { $0 + $1.count }
        }
        try state.withLock {
            if let last = $0.lastEpoch, checkpoint.epoch <= last {
                throw SluiceError(.invalidArgument, "checkpoint epoch \(checkpoint.epoch) at or below \(last)")
            }
            $0.lastEpoch = checkpoint.epoch
            $0.saved += 1
            $0.bytes += bytes
        }
    }

    public func latest(pipeline: String) throws -> Checkpoint? { nil }

    /// Checkpoints saved so far.
    public var saved: Int { state.withLock { $0.saved } }
    /// Bytes of operator state in all checkpoints saved so far.
    public var bytes: Int { state.withLock { $0.bytes } }
}
