public import SluiceCore

extension KeyedAggregateOperator {
    /// Every reason the configuration cannot be built (empty when it can), for pipeline
    /// load time.
    public static func validate(
        inputSchema: Schema, keys: [String], timeField: String, window: WindowSpec?, aggregates: [AggregateSpec],
        allowedLatenessMillis: Int64 = 0, partialEveryMillis: Int64? = nil
    ) -> [String] {
        var problems: [String] = []
        if keys.isEmpty { problems.append("a keyed aggregate needs at least one key") }
        for key in keys where inputSchema.field(named: key) == nil { problems.append("unknown key column '\(key)'") }
        if Set(keys).count != keys.count { problems.append("key columns repeat") }
        if let time = inputSchema.field(named: timeField) {
            if !time.type.isIntegerStorage {
                problems.append("event time '\(timeField)' must be a timestamp or int (epoch ms), not \(time.type)")
            }
        } else {
            problems.append("unknown event time column '\(timeField)'")
        }
        if let window, let problem = WindowSpec.validate(window) { problems.append(problem) }
        if allowedLatenessMillis < 0 { problems.append("allowed lateness must not be negative") }
        if let every = partialEveryMillis {
            if every <= 0 { problems.append("partial result interval must be positive") }
            if window == nil { problems.append("partial results need a window (the fold emits every change)") }
        }
        if aggregates.isEmpty { problems.append("a keyed aggregate needs at least one aggregate") }
        var names = Set(keys)
        if window != nil { names.formUnion(["window_start", "window_end", "is_final"]) }
        for spec in aggregates {
            if let problem = spec.validationError { problems.append("\(spec.output): \(problem)") }
            if !names.insert(spec.output).inserted {
                problems.append("output column '\(spec.output)' is defined twice")
            }
        }
        return problems
    }
}
