import SluiceCore

/// `_sluice_checkpoints`: the newest checkpoint of each pipeline, written in the
/// transaction that commits the views it matches: a `CheckpointManifest` whose parts are
/// rows of `_sluice_checkpoint_parts` (or, from older versions, whole `StoredCheckpoint`
/// bytes, which still load).
enum SQLiteCheckpointTable {
    static let name = "_sluice_checkpoints"

    static let createSQL =
        "CREATE TABLE IF NOT EXISTS \(name) (pipeline TEXT PRIMARY KEY, epoch INTEGER NOT NULL, saved_at INTEGER NOT NULL, bytes BLOB NOT NULL)"

    /// Parameters: 1 pipeline, 2 epoch, 3 saved_at, 4 bytes.
    static let saveSQL = """
        INSERT INTO \(name) (pipeline, epoch, saved_at, bytes) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (pipeline) DO UPDATE SET epoch = excluded.epoch, saved_at = excluded.saved_at, bytes = excluded.bytes
        """

    /// The parts the pipeline's manifest names, each once, keyed by its 16-byte id.
    static let partsName = "_sluice_checkpoint_parts"

    static let createPartsSQL =
        "CREATE TABLE IF NOT EXISTS \(partsName) (pipeline TEXT NOT NULL, id BLOB NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (pipeline, id))"

    /// Parameters: 1 pipeline, 2 id, 3 stored part bytes. An id already present holds the
    /// same bytes (its hash names them), so it is left as it is.
    static let insertPartSQL = "INSERT OR IGNORE INTO \(partsName) (pipeline, id, bytes) VALUES (?1, ?2, ?3)"
    static let deletePartSQL = "DELETE FROM \(partsName) WHERE pipeline = ?1 AND id = ?2"
    static let partSQL = "SELECT bytes FROM \(partsName) WHERE pipeline = ?1 AND id = ?2"
    static let partIDsSQL = "SELECT id FROM \(partsName) WHERE pipeline = ?1"

    static let epochSQL = "SELECT epoch FROM \(name) WHERE pipeline = ?1"
    static let latestSQL = "SELECT bytes FROM \(name) WHERE pipeline = ?1"
}
