/// Prints diagnostics the way compilers do, so editors and terminals can jump to them:
///
/// ```
/// pipelines/agent-metrics.yaml:7:13: error: unknown field 'agnet_id' — did you mean 'agent_id'?
///   - key_by: [agnet_id, metric]
///             ^~~~~~~~
/// ```
public struct DiagnosticRenderer: Sendable {
    /// The path printed in front of each diagnostic.
    public var path: String
    /// The file's text, for the quoted line and caret; nil prints the message line only.
    public var source: String?

    public init(path: String, source: String?) {
        self.path = path
        self.source = source
    }

    /// One diagnostic: the GCC-style line, then the offending line and a caret under it.
    public func render(_ diagnostic: Diagnostic) -> String {
        var text = "\(path):" + (diagnostic.location.map { "\($0.line):\($0.column):" } ?? "")
        text += " \(diagnostic.severity.rawValue): \(diagnostic.message)"
        guard let location = diagnostic.location, let line = sourceLine(location.line) else { return text }
        let scalars = Array(line.unicodeScalars)
        // Keep tabs in the indentation so the caret lines up under the offending text.
        let prefix = scalars.prefix(max(0, location.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        let available = max(1, scalars.count - (location.column - 1))
        let tildes = String(repeating: "~", count: max(0, min(diagnostic.length, available) - 1))
        text += "\n" + line + "\n" + prefix + "^" + tildes
        return text
    }

    /// Every diagnostic in file order, separated by newlines.
    public func render(_ diagnostics: Diagnostics) -> String {
        diagnostics.sorted.map(render).joined(separator: "\n")
    }

    private func sourceLine(_ number: Int) -> String? {
        guard let source, number >= 1 else { return nil }
        var current = 1
        var start = source.startIndex
        var index = source.startIndex
        while index < source.endIndex {
            if source[index] == "\n" || source[index] == "\r\n" {
                if current == number { return String(source[start..<index]) }
                current += 1
                start = source.index(after: index)
            }
            index = source.index(after: index)
        }
        return current == number && start < source.endIndex ? String(source[start...]) : nil
    }
}
