/// Where a pipeline reads and writes when its file does not say: the embedded setup
/// that runs on a laptop with nothing installed. Each default can be redirected with an
/// environment variable, which is how one file runs against production brokers.
public enum EmbeddedDefaults {
    /// Events: the DAA generator, or `$DAA_EVENTS`.
    public static let sourceURI = "${DAA_EVENTS:-generator:daa}"
    /// Views: an SQLite database under `.sluice/`, or `$DAA_VIEWS`.
    public static let viewsURI = "${DAA_VIEWS:-sqlite:.sluice/views.db}"
    /// Undecodable records: an NDJSON file under `.sluice/`, or `$DAA_DEAD_LETTER`.
    public static let deadLetterURI = "${DAA_DEAD_LETTER:-file:.sluice/dead-letter.ndjson}"
}
