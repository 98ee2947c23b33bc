/// How many arguments a function takes.
struct FunctionArity: Sendable {
    let minimum: Int
    /// nil: any number from `minimum` up.
    let maximum: Int?

    static func exactly(_ n: Int) -> FunctionArity { FunctionArity(minimum: n, maximum: n) }

    func accepts(_ n: Int) -> Bool { n >= minimum && n <= (maximum ?? .max) }

    var description: String {
        func arguments(_ n: Int) -> String { n == 1 ? "1 argument" : "\(n) arguments" }
        guard let maximum else { return "at least " + arguments(minimum) }
        if maximum == minimum { return arguments(minimum) }
        return maximum == minimum + 1 ? "\(minimum) or \(arguments(maximum))" : "\(minimum) to \(arguments(maximum))"
    }
}

/// The scalar functions of the expression language.
public enum ExprFunctions {
    /// Every function name, sorted (for documentation and "did you mean" suggestions).
    public static let names: [String] = arities.keys.sorted()

    static let arities: [String: FunctionArity] = [
        // strings
        "lower": .exactly(1), "upper": .exactly(1), "trim": .exactly(1), "length": .exactly(1),
        "concat": FunctionArity(minimum: 1, maximum: nil),
        "starts_with": .exactly(2), "ends_with": .exactly(2), "contains": .exactly(2),
        "substr": FunctionArity(minimum: 2, maximum: 3), "replace": .exactly(3),
        // nulls and choice
        "coalesce": FunctionArity(minimum: 1, maximum: nil), "nullif": .exactly(2), "if": .exactly(3),
        // casts
        "int": .exactly(1), "double": .exactly(1), "string": .exactly(1), "bool": .exactly(1), "timestamp": .exactly(1),
        // time
        "now": .exactly(0), "date_trunc": .exactly(2), "window_start": .exactly(0), "window_end": .exactly(0),
        "to_millis": .exactly(1), "from_millis": .exactly(1),
        // math
        "abs": .exactly(1), "round": FunctionArity(minimum: 1, maximum: 2), "floor": .exactly(1), "ceil": .exactly(1),
        "least": FunctionArity(minimum: 1, maximum: nil), "greatest": FunctionArity(minimum: 1, maximum: nil),
        "sqrt": .exactly(1), "ln": .exactly(1), "exp": .exactly(1), "pow": .exactly(2), "clamp": .exactly(3),
    ]

    /// Aggregate functions of the pipeline's aggregate step: named here only so a scalar
    /// expression that uses one gets a precise message instead of "unknown function".
    static let aggregateNames: Set<String> = [
        "count", "sum", "min", "max", "avg", "first", "last", "count_distinct", "approx_count_distinct",
        "percentile", "stddev",
    ]
}
