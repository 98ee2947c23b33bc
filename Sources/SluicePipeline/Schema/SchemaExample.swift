/// A YAML snippet showing part of the format in use, as the reference prints it.
///
/// Every example must load: `document` completes it into a whole pipeline file (a DAA
/// generator source, event time `ts`, a `stdout:` sink, for whatever the snippet does not
/// say itself), and a test loads each one with the real loader.
struct SchemaExample: Sendable {
    /// Where the snippet goes in a file.
    enum Place: Sendable {
        /// Top-level keys; they replace the same keys of the base file, and graph-form
        /// keys (`sources`, `nodes`, `sinks`) replace its whole linear form.
        case topLevel
        /// Items of the linear form's `steps` list.
        case steps
    }

    var place: Place
    var yaml: String

    static func topLevel(_ yaml: String) -> SchemaExample { SchemaExample(place: .topLevel, yaml: yaml) }
    static func steps(_ yaml: String) -> SchemaExample { SchemaExample(place: .steps, yaml: yaml) }

    private static let base: [(key: String, text: String)] = [
        ("pipeline", "pipeline: example"),
        ("source", "source: { uri: \"generator:daa?count=1000\" }"),
        ("event_time", "event_time: { field: ts }"),
        ("steps", "steps:\n  - filter: \"type = 'metric'\""),
        ("sink", "sink: { uri: \"stdout:\" }"),
    ]
    private static let linearKeys: Set<String> = ["source", "event_time", "dedupe", "steps", "sink", "late"]
    private static let graphKeys: Set<String> = ["sources", "nodes", "sinks"]

    /// The snippet completed into a whole pipeline file.
    var document: String {
        let snippet: String
        switch place {
        case .topLevel: snippet = yaml
        case .steps: snippet = "steps:\n" + yaml.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        }
        let written = Set(Self.topLevelKeys(of: snippet))
        let isGraph = !written.isDisjoint(with: Self.graphKeys)
        let kept = Self.base.filter { !written.contains($0.key) && !(isGraph && Self.linearKeys.contains($0.key)) }
        return (kept.map(\.text) + [snippet]).joined(separator: "\n") + "\n"
    }

    /// The keys a snippet writes at the top level (lines starting with `key:`).
    static func topLevelKeys(of yaml: String) -> [String] {
        yaml.split(separator: "\n").compactMap { line in
            guard let first = line.first, first.isLetter, let colon = line.firstIndex(of: ":") else { return nil }
            return String(line[..<colon])
        }
    }
}
