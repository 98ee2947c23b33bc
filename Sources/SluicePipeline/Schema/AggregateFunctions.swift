import SluiceOperators

/// One aggregate function of `aggregate` and `fold`, as pipeline files call it.
struct AggregateFunctionSpec: Sendable {
    var kind: AggregateKind
    /// The arguments as the reference shows them (`value`, `0.95`); their count is the
    /// function's arity.
    var arguments: [String]
    /// One sentence for the reference.
    var doc: String
    /// An `output: call` entry of an aggregate over the DAA events (checked by a test).
    var example: String

    var name: String { kind.rawValue }
    /// `percentile(value, 0.95)`: how the call is written, for messages and the reference.
    var call: String { "\(name)(\(arguments.joined(separator: ", ")))" }
}

/// The aggregate functions, declared once: the checker takes each one's arity and shape
/// from here, and the reference renders it. `spec(_:)` switches over every
/// `AggregateKind`, so a new kind cannot be added without its entry.
enum AggregateFunctions {
    static var all: [AggregateFunctionSpec] { AggregateKind.allCases.map(spec) }

    static func spec(_ kind: AggregateKind) -> AggregateFunctionSpec {
        switch kind {
        case .count:
            AggregateFunctionSpec(kind: kind, arguments: [], doc: "The number of rows.", example: "events: count()")
        case .sum:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value"], doc:
                    "The sum of the non-null values: int for ints (wrapping on overflow), double for doubles (summed exactly and rounded once, so it does not depend on the order rows arrive in).",
                example: "total: sum(value)")
        case .min:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value"], doc: "The smallest non-null value (numbers, timestamps or strings).",
                example: "low: min(value)")
        case .max:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value"], doc: "The largest non-null value (numbers, timestamps or strings).",
                example: "last_seen: max(ts)")
        case .avg:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value"], doc:
                    "The mean of the non-null numbers, as a double: their sum (for doubles exact, rounded once) divided by their count.",
                example: "mean: avg(value)")
        case .first:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value"],
                doc: "The value of the row with the earliest event time (ties: the earliest to arrive).",
                example: "first_type: first(type)")
        case .last:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value"],
                doc: "The value of the row with the latest event time (ties: the latest to arrive).",
                example: "latest_value: last(value)")
        case .stddev:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value"],
                doc: "The sample standard deviation (n − 1) of the non-null numbers; null for fewer than two.",
                example: "spread: stddev(value)")
        case .countDistinct:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value"], doc: "The exact number of distinct non-null values.",
                example: "metrics: count_distinct(metric)")
        case .approxCountDistinct:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value"],
                doc: "An estimate (HyperLogLog) of the number of distinct non-null values, in constant memory per key.",
                example: "approx_types: approx_count_distinct(type)")
        case .percentile:
            AggregateFunctionSpec(
                kind: kind, arguments: ["value", "0.95"],
                doc: "An approximate quantile (DDSketch, 1% relative accuracy) of the non-null numbers; the fraction is a constant in 0…1.",
                example: "p95: \"percentile(value, 0.95)\"")
        }
    }

    /// Names other engines use for our functions: `average(value)` gets "did you mean
    /// 'avg'?" even though no edit-distance rule would find it.
    static let synonyms: [String: AggregateKind] = [
        "average": .avg, "mean": .avg,
        "stdev": .stddev, "std": .stddev, "stddev_samp": .stddev,
        "p50": .percentile, "p90": .percentile, "p95": .percentile, "p99": .percentile,
        "quantile": .percentile, "median": .percentile, "approx_percentile": .percentile,
        "distinct": .countDistinct, "count_unique": .countDistinct, "uniq": .countDistinct, "nunique": .countDistinct,
        "approx_distinct": .approxCountDistinct, "hll": .approxCountDistinct,
        "total": .sum, "minimum": .min, "maximum": .max, "latest": .last, "earliest": .first,
    ]

    /// The function `name` most likely means: a synonym first, then the closest name by
    /// spelling; nil when nothing is plausible.
    static func suggestion(for name: String) -> AggregateKind? {
        if let kind = synonyms[name.lowercased()] { return kind }
        return Suggestions.closest(to: name, among: AggregateKind.allCases.map(\.rawValue)).flatMap(AggregateKind.init(rawValue:))
    }
}
