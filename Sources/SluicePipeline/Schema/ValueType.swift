/// The kind of value a key of the pipeline format takes.
///
/// The format is described by values of these types (`PipelineSchema`), and one checker
/// walks any YAML tree against that description. Unknown keys, wrong types and bad
/// literals are therefore found the same way everywhere, with the same messages.
indirect enum ValueType: Sendable {
    /// Any non-null scalar.
    case text
    /// A name: letters, digits, `_` and `-`, starting with a letter or `_`.
    case name
    /// A route reference: `node` or `node.route`.
    case reference
    case integer(ClosedRange<Int>)
    case boolean
    case duration(allowNegative: Bool)
    /// A connector URI (checked against the connector catalog later).
    case uri
    /// An expression in the expression language (type-checked later).
    case expression
    /// An aggregate call such as `count()` or `percentile(value, 0.95)`.
    case aggregateCall
    /// One of a fixed set of words.
    case choice([String])
    /// A list of values.
    case list(ValueType)
    /// A fixed set of keys.
    case object(ObjectSpec)
    /// User-chosen names mapped to values of one type (`map: {name: expr}`).
    case namedMap(ValueType)
    /// Either of two types, told apart by the YAML node's kind (scalar, list, mapping).
    case either(ValueType, ValueType)

    /// How the type is described in "expected X" messages.
    var expectation: String {
        switch self {
        case .text: "a value"
        case .name: "a name"
        case .reference: "a node name"
        case .integer(let range): "an integer between \(range.lowerBound) and \(range.upperBound)"
        case .boolean: "true or false"
        case .duration: "a duration such as 10s or 1m30s"
        case .uri: "a URI such as file:events.ndjson"
        case .expression: "an expression"
        case .aggregateCall: "an aggregate call such as count() or avg(value)"
        case .choice(let words): "one of " + words.joined(separator: ", ")
        case .list(let element): "a list of \(element.pluralExpectation)"
        case .object(let spec): "a mapping (\(spec.name))"
        case .namedMap(let value): "a mapping of names to \(value.pluralExpectation)"
        case .either(let a, let b): "\(a.expectation) or \(b.expectation)"
        }
    }

    private var pluralExpectation: String {
        switch self {
        case .name: "names"
        case .reference: "node names"
        case .expression: "expressions"
        case .aggregateCall: "aggregate calls"
        case .duration: "durations"
        case .object(let spec): "mappings (\(spec.name))"
        default: "values (\(expectation))"
        }
    }

    /// The YAML node kind this type is written as.
    var nodeKind: NodeKind {
        switch self {
        case .list: .sequence
        case .object, .namedMap: .mapping
        case .either: .scalar  // not used for either; see the checker
        default: .scalar
        }
    }

    enum NodeKind { case scalar, sequence, mapping }
}

/// One key of a mapping in the format, with its type and documentation.
struct KeySpec: Sendable {
    var name: String
    var type: ValueType
    var required: Bool
    /// One sentence for the reference documentation and `--help`.
    var doc: String
    /// The value used when the key is absent, as it would be written in the file.
    var defaultValue: String?
    /// The key in use, for the reference (every example is loaded by a test).
    var example: SchemaExample?

    init(
        _ name: String, _ type: ValueType, required: Bool = false, default defaultValue: String? = nil, _ doc: String,
        example: SchemaExample? = nil
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.doc = doc
        self.defaultValue = defaultValue
        self.example = example
    }
}

/// A mapping with a fixed set of keys.
struct ObjectSpec: Sendable {
    /// What the mapping is called in messages ("source", "step", "window").
    var name: String
    var doc: String
    var keys: [KeySpec]
    /// Keys that cannot be combined: at most one group may be present. A group of several
    /// keys may appear together (`key_by` + `window` + `aggregate`).
    var exclusiveGroups: [[String]] = []
    /// When true, exactly one of `exclusiveGroups` must be present.
    var requiresGroup = false
    /// How a member of `exclusiveGroups` is called in messages ("operator").
    var groupNoun = "option"
    /// Why groups cannot be combined, appended to the message ("a step has one operator").
    var groupRule: String?
    /// The whole mapping in use, for the reference, when examples of its keys alone
    /// would not show it (a join, a branch).
    var example: SchemaExample?

    func key(_ name: String) -> KeySpec? { keys.first { $0.name == name } }
}
