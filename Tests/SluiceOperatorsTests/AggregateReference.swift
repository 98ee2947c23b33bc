import SluiceCore
import Testing

@testable import SluiceOperators

/// Brute-force aggregates over raw rows: the reference the operator is checked against.
enum AggregateReference {
    static func argument(_ event: Event, _ name: String) -> Value {
        switch name {
        case "value": event.value.map { .double($0) } ?? .null
        case "n": event.n.map { .int($0) } ?? .null
        case "label": event.label.map { .string($0) } ?? .null
        case "flag": event.flag.map { .bool($0) } ?? .null
        case "ts": event.ts.map { .timestamp($0) } ?? .null
        default: preconditionFailure("no column \(name)")
        }
    }

    /// The exact result of `kind(argument)` over `events` (in arrival order).
    static func result(_ kind: AggregateKind, _ argumentName: String?, parameter: Double?, _ events: [Event]) -> Value {
        guard let argumentName else { return .int(Int64(events.count)) }
        let present = events.compactMap { e -> (value: Value, ts: Int64)? in
            let v = argument(e, argumentName)
            return v.isNull ? nil : (v, e.ts!)
        }
        let values = present.map(\.value)
        switch kind {
        case .count:
            return .int(Int64(values.count))
        case .sum:
            guard !values.isEmpty else { return .null }
            if case .double = values[0] { return .double(values.reduce(0.0) { $0 + $1.asDouble! }) }
            return .int(values.reduce(Int64(0)) { $0 &+ $1.asInt! })
        case .min, .max:
            guard var best = values.first else { return .null }
            for v in values.dropFirst() where less(v, best) == (kind == .min) && v != best { best = v }
            return best
        case .avg:
            guard !values.isEmpty else { return .null }
            if case .double = values[0] { return .double(values.reduce(0.0) { $0 + $1.asDouble! } / Double(values.count)) }
            return .double(Double(values.reduce(Int64(0)) { $0 &+ $1.asInt! }) / Double(values.count))
        case .first:
            guard var best = present.first else { return .null }
            for p in present.dropFirst() where p.ts < best.ts { best = p }
            return best.value
        case .last:
            guard var best = present.first else { return .null }
            for p in present.dropFirst() where p.ts >= best.ts { best = p }
            return best.value
        case .stddev:
            guard values.count >= 2 else { return .null }
            let xs = values.map { $0.asDouble! }
            let mean = xs.reduce(0, +) / Double(xs.count)
            let squares = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            return .double((squares / Double(xs.count - 1)).squareRoot())
        case .countDistinct, .approxCountDistinct:
            return .int(Int64(Set(values).count))
        case .percentile:
            guard !values.isEmpty else { return .null }
            let sorted = values.map { $0.asDouble! }.sorted()
            return .double(sorted[Int((parameter! * Double(sorted.count - 1)).rounded(.down))])
        }
    }

    private static func less(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)), (.timestamp(let x), .timestamp(let y)): x < y
        case (.double(let x), .double(let y)): x < y
        case (.string(let x), .string(let y)): x < y
        default: preconditionFailure("incomparable \(a) \(b)")
        }
    }

    /// Whether the operator's `actual` matches the exact `expected` within the documented
    /// bound of `kind` (percentile: 1% relative; approx_count_distinct: 3 standard errors;
    /// floating sums and moments: rounding).
    static func matches(_ actual: Value, _ expected: Value, kind: AggregateKind) -> Bool {
        switch (actual, expected) {
        case (.double(let a), .double(let e)):
            let bound = kind == .percentile ? QuantileSketch.relativeAccuracy * abs(e) + 1e-9 : 1e-9 * max(1, abs(e))
            return abs(a - e) <= bound
        case (.int(let a), .int(let e)) where kind == .approxCountDistinct:
            return Double(abs(a - e)) <= 3 * HyperLogLog.relativeStandardError * Double(e)
        default:
            return actual == expected
        }
    }

    /// The aggregates the randomized tests compute: every kind over every argument type
    /// it accepts.
    static let specs: [(spec: AggregateSpec, argument: String?)] = {
        let c = TestInput.column
        let list: [(String, AggregateKind, String?, Double?)] = [
            ("rows", .count, nil, nil), ("values", .count, "value", nil), ("labels", .count, "label", nil),
            ("sum_v", .sum, "value", nil), ("sum_n", .sum, "n", nil),
            ("min_v", .min, "value", nil), ("max_v", .max, "value", nil), ("min_n", .min, "n", nil),
            ("max_n", .max, "n", nil), ("min_l", .min, "label", nil), ("max_l", .max, "label", nil),
            ("min_ts", .min, "ts", nil), ("max_ts", .max, "ts", nil),
            ("avg_v", .avg, "value", nil), ("avg_n", .avg, "n", nil),
            ("first_l", .first, "label", nil), ("last_l", .last, "label", nil), ("first_v", .first, "value", nil),
            ("last_n", .last, "n", nil), ("first_f", .first, "flag", nil), ("last_f", .last, "flag", nil),
            ("last_ts", .last, "ts", nil),
            ("sd_v", .stddev, "value", nil), ("sd_n", .stddev, "n", nil),
            ("cd_l", .countDistinct, "label", nil), ("cd_n", .countDistinct, "n", nil),
            ("cd_v", .countDistinct, "value", nil), ("cd_f", .countDistinct, "flag", nil),
            ("acd_l", .approxCountDistinct, "label", nil), ("acd_n", .approxCountDistinct, "n", nil),
            ("acd_v", .approxCountDistinct, "value", nil),
            ("p50_v", .percentile, "value", 0.5), ("p95_v", .percentile, "value", 0.95),
            ("p0_v", .percentile, "value", 0), ("p100_v", .percentile, "value", 1), ("p10_n", .percentile, "n", 0.1),
        ]
        return list.map { name, kind, arg, q in (AggregateSpec(name, kind, arg.map { c($0) }, parameter: q), arg) }
    }()

    /// Checks every aggregate of `row` against the reference over `events`.
    static func check(row: [String: Value], events: [Event], group: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (spec, argument) in specs {
            let expected = result(spec.kind, argument, parameter: spec.parameter, events)
            let actual = row[spec.output] ?? .null
            #expect(
                matches(actual, expected, kind: spec.kind),
                "\(group) \(spec.output): got \(actual), expected \(expected)", sourceLocation: sourceLocation)
        }
    }
}
