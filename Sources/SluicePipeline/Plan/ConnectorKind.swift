import SluiceConnectors

/// What a connector may be used for in a pipeline.
public struct ConnectorRoles: OptionSet, Sendable, Hashable {
    /// The role bits.
    public let rawValue: Int
    /// Roles from bits.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Reads events (`source.uri`).
    public static let source = ConnectorRoles(rawValue: 1)
    /// Writes result rows (`sink.uri`).
    public static let sink = ConnectorRoles(rawValue: 2)
    /// Receives records that could not be decoded, with the reason (`dead_letter.uri`).
    public static let deadLetter = ConnectorRoles(rawValue: 4)
}

/// A query parameter a connector understands.
public struct ConnectorParameter: Sendable {
    /// The values a parameter takes.
    public enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case duration
        case boolean
        case text
        /// A byte size as `RollingPolicy` reads it: a whole number with an optional `KB`,
        /// `MB` or `GB` suffix (powers of 1024); 0 means no limit.
        case size
    }
    /// The name after `?` or `&`.
    public var name: String
    /// The values it takes.
    public var kind: Kind
    /// One sentence for documentation.
    public var doc: String
    /// A value to show in the reference (checked by a test like any URI in a file).
    public var example: String
    /// The uses it means something for: a parameter of one use written on another (a
    /// file source's `max_bytes`) is rejected rather than silently ignored.
    public var roles: ConnectorRoles

    /// A parameter called `name`.
    public init(_ name: String, _ kind: Kind, example: String, roles: ConnectorRoles = [.source, .sink, .deadLetter], _ doc: String) {
        self.name = name
        self.kind = kind
        self.doc = doc
        self.example = example
        self.roles = roles
    }

    /// nil when `value` fits; otherwise what is expected.
    func problem(with value: String) -> String? {
        switch kind {
        case .integer(let range):
            guard let n = Int(value), range.contains(n) else {
                return "expected an integer" + (range.upperBound == .max ? " of at least \(range.lowerBound)" : " in \(range.lowerBound)...\(range.upperBound)")
            }
        case .number(let range):
            guard let x = Double(value), x.isFinite, range.contains(x) else {
                return "expected a number in \(range.lowerBound)...\(range.upperBound == .greatestFiniteMagnitude ? "∞" : "\(range.upperBound)")"
            }
        case .duration:
            guard DurationSyntax.parseMillis(value) != nil else { return "expected " + DurationSyntax.expected }
        case .boolean:
            guard value == "true" || value == "false" else { return "expected true or false" }
        case .text:
            guard !value.isEmpty else { return "expected a value" }
        case .size:
            // The connector's own parser decides, so what validates is what runs.
            guard (try? RollingPolicy.parse(maxBytes: value, keep: nil)) != nil else {
                return "expected a size such as 64MB, 512KB or 1000000 (bytes; KB, MB and GB are powers of 1024; 0 means no limit)"
            }
        }
        return nil
    }

    /// How the values are described in the reference.
    var valuesDescription: String {
        switch kind {
        case .integer(let range):
            range.upperBound == .max ? "integer ≥ \(range.lowerBound)" : "integer \(range.lowerBound)…\(range.upperBound)"
        case .number(let range): "number \(range.lowerBound.formatted)…\(range.upperBound.formatted)"
        case .duration: "duration"
        case .boolean: "true or false"
        case .text: "text"
        case .size: "size (bytes, KB, MB, GB)"
        }
    }
}

extension Double {
    /// `1000000000` rather than `1e+09`, `0.5` as is: for ranges in the reference.
    fileprivate var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : "\(self)"
    }
}

/// One kind of connector, described as data: `validate` and `explain` need nothing else
/// and never open a connection.
public struct ConnectorKind: Sendable {
    /// What follows `scheme:` in the opaque shape.
    public enum PathRule: Sendable {
        /// Nothing (`stdout:`).
        case empty
        /// Some text, e.g. a file path; the associated value says what, for messages.
        case required(String)
        /// One of a fixed set (`generator:daa`, `generator:w1`).
        case oneOf([String])
    }

    /// The URI scheme, lower case.
    public var scheme: String
    /// One sentence for documentation.
    public var summary: String
    /// What a pipeline may use it for.
    public var roles: ConnectorRoles
    /// True for `scheme://host` connectors (brokers, databases).
    public var isHierarchical: Bool
    /// What the opaque part must be.
    public var path: PathRule
    /// Parameters every URI of this kind may carry.
    public var parameters: [ConnectorParameter]
    /// Parameters that depend on the path (`generator:daa` and `generator:w1` differ).
    public var parametersByPath: [String: [ConnectorParameter]]
    /// True when this build can run it; recognised-only connectors validate but `run`
    /// stops with "connector not available in this build".
    public var isAvailable: Bool
    /// False when the URI may carry no password at all, not even one from the
    /// environment (the client library reads it from the environment or a file itself).
    public var passwordInURI: Bool
    /// Where the password comes from instead, when `passwordInURI` is false (for messages).
    public var passwordSource: String
    /// True when a sink of this kind keeps a named view (needs `view`).
    public var keepsViews: Bool
    /// A URI to show in messages.
    public var example: String

    /// The parameters a URI with this `path` may carry.
    public func parameters(forPath path: String) -> [ConnectorParameter] { parameters + (parametersByPath[path] ?? []) }

    /// A connector kind (see the properties).
    public init(
        scheme: String, summary: String, roles: ConnectorRoles, isHierarchical: Bool = false, path: PathRule = .empty,
        parameters: [ConnectorParameter] = [], parametersByPath: [String: [ConnectorParameter]] = [:], isAvailable: Bool = true, passwordInURI: Bool = true,
        passwordSource: String = "PGPASSWORD in the environment, or password_file=PATH", keepsViews: Bool = false,
        example: String
    ) {
        self.passwordSource = passwordSource
        self.scheme = scheme
        self.summary = summary
        self.roles = roles
        self.isHierarchical = isHierarchical
        self.path = path
        self.parameters = parameters
        self.parametersByPath = parametersByPath
        self.isAvailable = isAvailable
        self.passwordInURI = passwordInURI
        self.keepsViews = keepsViews
        self.example = example
    }
}
