import SluiceCore

/// `_sluice_checkpoints`: the newest checkpoint of each pipeline (`StoredCheckpoint` bytes:
/// LZ4-framed `CheckpointCodec` bytes, or plain ones from older versions),
/// written in the transaction that commits the views it matches.
enum SQLiteCheckpointTable {
    static let name = "_sluice_checkpoints"

    static let createSQL =
        "CREATE TABLE IF NOT EXISTS \(name) (pipeline TEXT PRIMARY KEY, epoch INTEGER NOT NULL, saved_at INTEGER NOT NULL, bytes BLOB NOT NULL)"

    /// Parameters: 1 pipeline, 2 epoch, 3 saved_at, 4 bytes.
    static let saveSQL = """
        INSERT INTO \(name) (pipeline, epoch, saved_at, bytes) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (pipeline) DO UPDATE SET epoch = excluded.epoch, saved_at = excluded.saved_at, bytes = excluded.bytes
        """

    static let epochSQL = "SELECT epoch FROM \(name) WHERE pipeline = ?1"
    static let latestSQL = "SELECT bytes FROM \(name) WHERE pipeline = ?1"
}
