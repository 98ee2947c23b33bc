/// The aggregate functions a keyed aggregate computes.
///
/// Every kind follows the create / add / merge / result contract (Flink's
/// `AggregateFunction`): states of disjoint row sets merge into the state of their union,
/// which is what lets session windows merge when a bridging event joins two sessions.
/// Null arguments are ignored (SQL semantics); `count` without an argument counts rows.
public enum AggregateKind: String, Sendable, CaseIterable {
    /// Rows (no argument) or non-null arguments. int64, never null.
    case count
    /// Sum of non-null arguments: int64 for int (wrapping on overflow), double for double.
    case sum
    /// Smallest non-null argument (int, double, timestamp, string).
    case min
    /// Largest non-null argument (int, double, timestamp, string).
    case max
    /// Mean of non-null numeric arguments, as double.
    case avg
    /// Argument of the row with the smallest event time; ties go to the earliest arrival.
    case first
    /// Argument of the row with the largest event time; ties go to the latest arrival.
    case last
    /// Sample standard deviation (n − 1) of numeric arguments; null for fewer than 2 values.
    case stddev
    /// Exact number of distinct non-null arguments.
    case countDistinct = "count_distinct"
    /// HyperLogLog estimate of the number of distinct non-null arguments.
    case approxCountDistinct = "approx_count_distinct"
    /// Approximate quantile (DDSketch, 1% relative accuracy) of numeric arguments.
    case percentile
}
