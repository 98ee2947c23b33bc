import Synchronization

/// Bytes each split of a file source has consumed, so the source can report its lag
/// (file size − what was read) to the operations side. Updated once per batch.
final class FileReadProgress: Sendable {
    private let consumed: Mutex<[Int64]>

    init(splits: Int) { consumed = Mutex([Int64](repeating: 0, count: splits)) }

    /// Split `split` has consumed `bytes` of its range (resumed or read).
    func set(_ split: Int, bytes: Int64) { consumed.withLock { $0[split] = bytes } }

    var total: Int64 { consumed.withLock { $0.reduce(0, +) } }
}
