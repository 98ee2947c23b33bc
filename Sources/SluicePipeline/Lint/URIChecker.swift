/// Checks connector URIs against the connector kinds: scheme, role, path, parameters and
/// credentials. Problems are reported at the offending part of the URI.
struct URIChecker {
    let kinds: [ConnectorKind]

    /// What a URI is used as, for role checks and messages.
    enum Use: String {
        case source, sink
        case deadLetter = "dead-letter output"
        case late = "late-event output"

        var role: ConnectorRoles {
            switch self {
            case .source: .source
            case .sink, .late: .sink
            case .deadLetter: .deadLetter
            }
        }
    }

    func check(_ text: SpannedText, as use: Use, diagnostics: inout Diagnostics) -> (uri: ConnectorURI, kind: ConnectorKind)? {
        func report(_ range: Range<Int>, _ message: String) {
            diagnostics.error(
                at: text.location(atUTF8Offset: range.lowerBound),
                length: text.columnSpan(fromUTF8Offset: range.lowerBound, length: max(1, range.count)), message)
        }
        var uri: ConnectorURI
        switch ConnectorURI.parse(text.string) {
        case .failure(let error):
            report(error.offset..<(error.offset + error.length), error.message)
            return nil
        case .success(let parsed):
            uri = parsed
        }
        guard let kind = kinds.first(where: { $0.scheme == uri.scheme }) else {
            let suggestion = Suggestions.didYouMean(uri.scheme, among: kinds.map(\.scheme))
            let known = suggestion.isEmpty ? " (known: \(kinds.map(\.scheme).joined(separator: ", ")))" : ""
            report(uri.schemeRange, "unknown connector '\(uri.scheme):'\(suggestion)\(known)")
            return nil
        }
        var valid = checkCredentials(uri, kind, text, report)
        if !kind.roles.contains(use.role) {
            report(uri.schemeRange, "'\(kind.scheme):' cannot be used as a \(use.rawValue) (it can be \(Self.describe(kind.roles)))")
            valid = false
        }
        if kind.isHierarchical {
            if !uri.isHierarchical {
                report(uri.schemeRange, "'\(kind.scheme):' needs a host: e.g. \(kind.example)")
                return nil
            }
            if uri.host == nil {
                report(uri.hostRange ?? uri.schemeRange, "the \(kind.scheme) URI has no host: e.g. \(kind.example)")
                valid = false
            }
        } else {
            if uri.isHierarchical {
                guard uri.host == nil, uri.user == nil, uri.port == nil else {
                    report(uri.hostRange ?? uri.schemeRange, "'\(kind.scheme):' takes no host: write \(kind.example)")
                    return nil
                }
                uri.path = "/" + uri.path  // file:///abs/path
            }
            valid = checkPath(uri, kind, report) && valid
        }
        let allowed = kind.parameters(forPath: uri.path)
        for parameter in uri.parameters {
            guard let spec = allowed.first(where: { $0.name == parameter.name }) else {
                let suggestion = Suggestions.didYouMean(parameter.name, among: allowed.map(\.name))
                let list = allowed.isEmpty ? " ('\(kind.scheme):\(uri.path)' takes no parameters)" : suggestion.isEmpty ? " (known: \(allowed.map(\.name).joined(separator: ", ")))" : ""
                report(parameter.nameRange, "unknown parameter '\(parameter.name)' for \(kind.scheme):\(suggestion)\(list)")
                valid = false
                continue
            }
            if !spec.roles.contains(use.role) {
                report(
                    parameter.nameRange,
                    "parameter '\(parameter.name)' has no effect on a \(use.rawValue) (it applies to \(Self.describe(spec.roles)))")
                valid = false
                continue
            }
            if let problem = spec.problem(with: parameter.value) {
                report(
                    parameter.valueRange.isEmpty ? parameter.nameRange : parameter.valueRange,
                    "invalid value '\(parameter.value)' for parameter '\(parameter.name)': \(problem)")
                valid = false
            }
        }
        return valid ? (uri, kind) : nil
    }

    /// A password written in the file (rather than substituted from the environment)
    /// would end up in version control: reject it.
    private func checkCredentials(
        _ uri: ConnectorURI, _ kind: ConnectorKind, _ text: SpannedText, _ report: (Range<Int>, String) -> Void
    ) -> Bool {
        var valid = true
        if !kind.passwordInURI, let range = uri.passwordRange, !range.isEmpty {
            // Its client library reads the password itself: none in the URI, not even a
            // substituted one (it would sit in memory and error messages as plain text).
            report(range, "\(kind.scheme) takes no password in its URI: set \(kind.passwordSource)")
            valid = false
        } else if let range = uri.passwordRange, !range.isEmpty, !text.isEntirelyFromEnvironment(utf8Range: range) {
            report(range, "a password in the pipeline file: put credentials in the environment, e.g. \(uri.scheme)://\(uri.user ?? "user"):${PASSWORD}@\(uri.host ?? "host")")
            valid = false
        }
        for parameter in uri.parameters where ConnectorURI.isSecretName(parameter.name) && !parameter.value.isEmpty {
            if !text.isEntirelyFromEnvironment(utf8Range: parameter.valueRange) {
                report(parameter.valueRange, "a secret in the pipeline file: put credentials in the environment, e.g. \(parameter.name)=${SECRET}")
                valid = false
            }
        }
        return valid
    }

    private func checkPath(_ uri: ConnectorURI, _ kind: ConnectorKind, _ report: (Range<Int>, String) -> Void) -> Bool {
        let range = uri.pathRange.isEmpty ? uri.schemeRange : uri.pathRange
        switch kind.path {
        case .empty:
            guard uri.path.isEmpty else {
                report(range, "'\(kind.scheme):' takes nothing after the colon: write \(kind.example)")
                return false
            }
        case .required(let what):
            guard !uri.path.isEmpty else {
                report(range, "'\(kind.scheme):' needs \(what): e.g. \(kind.example)")
                return false
            }
        case .oneOf(let choices):
            guard choices.contains(uri.path) else {
                let suggestion = Suggestions.didYouMean(uri.path, among: choices)
                report(range, "unknown \(kind.scheme) '\(uri.path)'\(suggestion) (expected \(choices.map { "\(kind.scheme):\($0)" }.joined(separator: " or ")))")
                return false
            }
        }
        return true
    }

    private static func describe(_ roles: ConnectorRoles) -> String {
        var names: [String] = []
        if roles.contains(.source) { names.append("a source") }
        if roles.contains(.sink) { names.append("a sink") }
        if roles.contains(.deadLetter) { names.append("a dead-letter output") }
        return names.joined(separator: " or ")
    }
}
