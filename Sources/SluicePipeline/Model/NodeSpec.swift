public import SluiceCore
public import SluiceOperators

/// An expression from the file, type-checked against the schema flowing into its node.
public struct ExpressionSpec: Sendable, CustomStringConvertible {
    /// The text as written (after interpolation).
    public var text: String
    /// The compiled form operators evaluate.
    public var compiled: any BatchExpression

    /// The result type.
    public var type: DataType { compiled.type }
    /// The text as written.
    public var description: String { text }
}

/// A named expression: a `map` field or a branch route.
public struct NamedExpression: Sendable {
    /// The field or route name.
    public var name: String
    /// Its expression.
    public var expression: ExpressionSpec
}

/// One output column of an aggregate: `p95: percentile(value, 0.95)`.
public struct AggregateCall: Sendable, CustomStringConvertible {
    /// The output column.
    public var name: String
    /// The aggregate function.
    public var function: AggregateKind
    /// The aggregated expression; nil for `count()`.
    public var argument: ExpressionSpec?
    /// The percentile's fraction (0...1).
    public var fraction: Double?
    /// The output column's type.
    public var type: DataType

    /// `name = function(argument)`.
    public var description: String {
        "\(name) = \(function.rawValue)(\(argument?.text ?? "")\(fraction.map { ", \($0)" } ?? ""))"
    }
}

/// Keyed aggregation: per key and window (`window` set) or a running fold per key.
public struct AggregationSpec: Sendable {
    /// The grouping fields.
    public var keys: [String]
    /// The windows; nil for a fold (a running state per key).
    public var window: WindowSpec?
    /// The output columns.
    public var aggregates: [AggregateCall]
    /// The event-time field windows (and `first`/`last`) use.
    public var timeField: String
    /// How long a fired window still accepts late events.
    public var allowedLateness: Duration
    /// How often rows of open windows are emitted with their partial values: the
    /// shortest `flush_every` of the upserting sinks the results reach without passing
    /// another stateful operator; nil emits final rows only.
    public var partialEvery: Duration?
    /// Where events later than that go (windows only); nil counts them only.
    public var late: ConnectorURI?
}

/// An event-time join of two keyed streams.
public struct JoinSpec: Sendable {
    /// Which rows of the two sides meet.
    public enum Bounds: Sendable, Hashable {
        /// Right rows whose time minus the left row's lies in `lower...upper`.
        case interval(lower: Duration, upper: Duration)
        /// Rows of both sides in the same tumbling window.
        case window(size: Duration)
    }
    /// The left key fields, paired with `rightKeys` one to one.
    public var leftKeys: [String]
    /// The right key fields.
    public var rightKeys: [String]
    /// Interval or window.
    public var bounds: Bounds
    /// Also emit left rows that found no match once their bound has passed.
    public var emitUnmatchedLeft: Bool
    /// Prefix of the left fields in the output.
    public var leftPrefix: String
    /// Prefix of the right fields in the output.
    public var rightPrefix: String
    /// The event-time fields of each side.
    /// The left side's event-time field.
    public var leftTimeField: String
    /// The right side's event-time field.
    public var rightTimeField: String
    /// The output's event-time field.
    public var timeField: String
}

/// What a node does.
public enum Operation: Sendable {
    case filter(ExpressionSpec)
    /// Adds or replaces fields; other fields pass through.
    case map([NamedExpression])
    case select([String])
    case dedupe(field: String, horizon: Duration, timeField: String)
    case aggregate(AggregationSpec)
    case union
    /// Rows go to the first route whose condition holds, else to `defaultRoute` (if any).
    case branch(routes: [NamedExpression], defaultRoute: String?)
    case join(JoinSpec)

    /// The operator's name as the file spells it.
    public var keyword: String {
        switch self {
        case .filter: "filter"
        case .map: "map"
        case .select: "select"
        case .dedupe: "dedupe"
        case .aggregate(let spec): spec.window == nil ? "fold" : "aggregate"
        case .union: "union"
        case .branch: "branch"
        case .join: "join"
        }
    }
}

/// An operator node.
public struct NodeSpec: Sendable {
    /// The node's name (generated from the operator in the linear form).
    public var name: String
    /// The streams it reads, in input order (a join: left, right).
    public var inputs: [StreamSpec]
    /// What it does.
    public var operation: Operation
    /// One schema per output port.
    public var outputSchemas: [Schema]
    /// Port names (branch routes; `main` for single-output nodes).
    public var portNames: [String]
    /// Fields whose equal values must meet in one partition (keyed operators); nil for
    /// operators that work row by row.
    public var partitionKeys: [[String]]?
}
