public import SluiceCore

/// One aggregate column of a keyed aggregate: `output = kind(argument)`.
///
/// `argument` is evaluated once per batch; `nil` is allowed only for `count` (count rows).
/// `parameter` is the quantile fraction (0...1) of `percentile` and unused otherwise.
public struct AggregateSpec: Sendable {
    public var output: String
    public var kind: AggregateKind
    public var argument: (any BatchExpression)?
    public var parameter: Double?

    public init(
        _ output: String, _ kind: AggregateKind, _ argument: (any BatchExpression)? = nil, parameter: Double? = nil
    ) {
        self.output = output
        self.kind = kind
        self.argument = argument
        self.parameter = parameter
    }

    /// The result type of `kind` over an argument of `argumentType` (nil: no argument),
    /// or nil when the combination is invalid (for load-time type checks).
    ///
    /// count / count_distinct / approx_count_distinct → int64; sum(int) → int64,
    /// sum(double) → double; min / max → the argument type (int, double, timestamp, string);
    /// first / last → the argument type (any); avg / stddev / percentile → double (numeric
    /// arguments only).
    public static func resultType(kind: AggregateKind, argumentType: DataType?) -> DataType? {
        guard let argumentType else { return kind == .count ? .int64 : nil }
        switch kind {
        case .count, .countDistinct, .approxCountDistinct:
            return .int64
        case .sum:
            return argumentType.isNumeric ? argumentType : nil
        case .min, .max:
            return argumentType == .bool ? nil : argumentType
        case .first, .last:
            return argumentType
        case .avg, .stddev, .percentile:
            return argumentType.isNumeric ? .double : nil
        }
    }

    /// The result type of this spec, or nil when the argument type does not fit the kind.
    public var resultType: DataType? { AggregateSpec.resultType(kind: kind, argumentType: argument?.type) }

    /// Why this spec cannot be built, or nil when it is valid.
    public var validationError: String? {
        if argument == nil && kind != .count { return "\(kind.rawValue)(...) needs an argument" }
        guard resultType != nil else {
            return "\(kind.rawValue) is not defined for \(argument.map { "\($0.type)" } ?? "no") argument"
        }
        if kind == .percentile {
            guard let q = parameter else { return "percentile needs a quantile fraction between 0 and 1" }
            guard q >= 0 && q <= 1 else { return "percentile fraction \(q) is outside 0...1" }
        } else if parameter != nil {
            return "\(kind.rawValue) takes no parameter"
        }
        return nil
    }
}
