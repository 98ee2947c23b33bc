public import SluiceCore
import Synchronization

/// A checkpoint store in memory for the benchmarks: keeps the latest checkpoint (as a
/// store on disk would replace it), and counts the checkpoints saved and their bytes.
public final class MemoryCheckpointStore: CheckpointStore {
    private let state = Mutex<(latest: Checkpoint?, saved: Int, bytes: Int)>((nil, 0, 0))

    public init() {}

    public func save(_ checkpoint: Checkpoint, pipeline: String) throws {
        let bytes = checkpoint.states.values.reduce(0) { total, partitions in
            partitions.reduce(total) { $0 + $1.count }
        }
        try state.withLock {
            if let latest = $0.latest, checkpoint.epoch <= latest.epoch {
                throw SluiceError(.invalidArgument, "checkpoint epoch \(checkpoint.epoch) at or below \(latest.epoch)")
            }
            $0.latest = checkpoint
            $0.saved += 1
            $0.bytes += bytes
        }
    }

    public func latest(pipeline: String) throws -> Checkpoint? { state.withLock { $0.latest } }

    /// Checkpoints saved so far.
    public var saved: Int { state.withLock { $0.saved } }
    /// Bytes of operator state in all checkpoints saved so far.
    public var bytes: Int { state.withLock { $0.bytes } }
}
