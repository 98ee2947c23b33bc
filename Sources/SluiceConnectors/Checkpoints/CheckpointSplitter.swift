public import SluiceCore
import Synchronization

/// Cuts each pipeline's checkpoints into parts (`CheckpointManifest.split`), keeping the
/// parts of its last one so the next cut skips the scan for every part that did not change
/// (`CheckpointPartsMemo`). A commit group holds one; saves of one pipeline are serial.
public final class CheckpointSplitter: Sendable {
    private let memos = Mutex<[String: CheckpointPartsMemo]>([:])

    public init() {}

    public func split(_ checkpoint: Checkpoint, pipeline: String)
        -> (manifest: CheckpointManifest, plain: [UInt8], ranges: [Range<Int>])
    {
        var memo = memos.withLock { $0.removeValue(forKey: pipeline) } ?? CheckpointPartsMemo()
        let split = CheckpointManifest.split(checkpoint, memo: &memo)
        memos.withLock { $0[pipeline] = memo }
        return split
    }
}
