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

extension EmbeddedDefaults {
    /// `template` with its `${VAR:-default}` references resolved against `environment`.
    public static func resolve(_ template: String, environment: [String: String]) -> String {
        var ignored = Diagnostics()  // the templates above always have defaults
        let text = SpannedText(template, at: FileLocation(line: 1, column: 1))
        return Interpolator(environment: environment).interpolate(text, diagnostics: &ignored).string
    }

    /// The SQLite file views go to by default (`$DAA_VIEWS` when it names an `sqlite:`
    /// URI), or nil when views are configured to go elsewhere.
    public static func viewsDatabasePath(environment: [String: String]) -> String? {
        guard case .success(let uri) = ConnectorURI.parse(resolve(viewsURI, environment: environment)),
            uri.scheme == "sqlite", !uri.path.isEmpty
        else { return nil }
        return uri.path
    }
}
