import SluiceTestSupport

/// Generates random well-typed expressions over `RandomBatches.schema`, so the engine and
/// the reference are compared on combinations no hand-written list covers.
struct ExpressionGenerator {
    enum Kind: CaseIterable { case int, double, bool, string, timestamp }

    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func expression(_ kind: Kind, depth: Int) -> String {
        if depth == 0 || rng.chance(0.25) { return leaf(kind) }
        let d = depth - 1
        switch kind {
        case .int: return int(d)
        case .double: return double(d)
        case .bool: return bool(d)
        case .string: return string(d)
        case .timestamp: return timestamp(d)
        }
    }

    private mutating func leaf(_ kind: Kind) -> String {
        // A bare null has no type, and `ts - null` could mean two things; a typed null
        // keeps timestamp arithmetic unambiguous.
        if rng.chance(0.04) { return kind == .timestamp ? "cast(null as timestamp)" : "null" }
        switch kind {
        case .int: return rng.pick(["i", "j", "n", "3", "-2", "0", "9223372036854775807", "1000"])
        case .double: return rng.pick(["x", "y", "1.5", "-0.5", "0.0", "2.5"])
        case .bool: return rng.pick(["b", "c", "true", "false"])
        case .string: return rng.pick(["s", "t", "'a'", "''", "'metric'", "'É'"])
        case .timestamp: return rng.pick(["ts", "ts2", "now()"])
        }
    }

    /// An int in a range that keeps timestamps within a few centuries of 1970.
    private mutating func offset(_ d: Int) -> String { "(\(expression(.int, depth: d)) % 10000000000000)" }

    private mutating func int(_ d: Int) -> String {
        let a = expression(.int, depth: d)
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: return "(\(a) \(rng.pick(["+", "-", "*", "%"])) \(expression(.int, depth: d)))"
        case 1: return "-(\(a))"
        case 2: return "abs(\(a))"
        case 3: return "length(\(expression(.string, depth: d)))"
        case 4: return "to_millis(\(expression(.timestamp, depth: d)))"
        case 5: return "int(\(expression(.double, depth: d)))"
        case 6: return "int(\(expression(.string, depth: d)))"
        case 7: return "case when \(expression(.bool, depth: d)) then \(a) else \(expression(.int, depth: d)) end"
        case 8: return "coalesce(\(a), \(expression(.int, depth: d)))"
        case 9: return "if(\(expression(.bool, depth: d)), \(a), \(expression(.int, depth: d)))"
        case 10: return "least(\(a), \(expression(.int, depth: d)))"
        case 11: return "greatest(\(a), \(expression(.int, depth: d)), \(expression(.int, depth: d)))"
        case 12: return "clamp(\(a), \(expression(.int, depth: d)), \(expression(.int, depth: d)))"
        case 13: return "nullif(\(a), \(expression(.int, depth: d)))"
        case 14: return rng.pick(["round", "floor", "ceil"]) + "(\(a))"
        case 15: return "(\(expression(.timestamp, depth: d)) - \(expression(.timestamp, depth: d)))"
        case 16: return "cast(\(expression(.bool, depth: d)) as int)"
        case 17: return "case \(expression(.string, depth: d)) when \(expression(.string, depth: d)) then \(a) end"
        case 18: return "(\(a) \(rng.pick(["+", "-"])) \(rng.pick(["5s", "1m", "2h", "1d", "500ms"])))"
        default: return "case \(a) when \(expression(.int, depth: d)) then 1 when 2 then \(expression(.int, depth: d)) else 0 end"
        }
    }

    private mutating func double(_ d: Int) -> String {
        let a = expression(.double, depth: d)
        switch Int.random(in: 0..<18, using: &rng) {
        case 0: return "(\(a) \(rng.pick(["+", "-", "*", "/", "%"])) \(expression(.double, depth: d)))"
        case 1: return "(\(expression(.int, depth: d)) / \(expression(.int, depth: d)))"
        case 2: return "(\(expression(.int, depth: d)) \(rng.pick(["+", "*", "-"])) \(a))"
        case 3: return "-(\(a))"
        case 4: return rng.pick(["sqrt", "ln", "exp", "floor", "ceil", "round", "abs"]) + "(\(a))"
        case 5: return "pow(\(a), \(expression(.double, depth: d)))"
        case 6: return "round(\(a), \(expression(.int, depth: d)))"
        case 7: return "double(\(expression(.int, depth: d)))"
        case 8: return "double(\(expression(.string, depth: d)))"
        case 9: return "coalesce(\(a), \(expression(.int, depth: d)))"
        case 10: return "if(\(expression(.bool, depth: d)), \(a), \(expression(.int, depth: d)))"
        case 11: return "greatest(\(a), \(expression(.int, depth: d)))"
        case 12: return "clamp(\(a), \(expression(.double, depth: d)), \(expression(.int, depth: d)))"
        case 13: return "sqrt(\(expression(.int, depth: d)))"
        case 14: return "case when \(expression(.bool, depth: d)) then \(a) when \(expression(.bool, depth: d)) then \(expression(.int, depth: d)) end"
        case 15: return "nullif(\(a), \(expression(.int, depth: d)))"
        case 16: return "cast(\(expression(.timestamp, depth: d)) as double)"
        default: return "least(\(a), \(expression(.double, depth: d)), \(expression(.int, depth: d)))"
        }
    }

    private mutating func bool(_ d: Int) -> String {
        let comparison = rng.pick(["=", "!=", "<", "<=", ">", ">=", "<>", "=="])
        switch Int.random(in: 0..<22, using: &rng) {
        case 0: return "(\(expression(.int, depth: d)) \(comparison) \(expression(.int, depth: d)))"
        case 1: return "(\(expression(.double, depth: d)) \(comparison) \(expression(.int, depth: d)))"
        case 2: return "(\(expression(.string, depth: d)) \(comparison) \(expression(.string, depth: d)))"
        case 3: return "(\(expression(.timestamp, depth: d)) \(comparison) \(expression(.timestamp, depth: d)))"
        case 4: return "(\(expression(.bool, depth: d)) \(comparison) \(expression(.bool, depth: d)))"
        case 5: return "(\(expression(.bool, depth: d)) and \(expression(.bool, depth: d)))"
        case 6: return "(\(expression(.bool, depth: d)) or \(expression(.bool, depth: d)))"
        case 7: return "not (\(expression(.bool, depth: d)))"
        case 8: return "(\(expression(rng.pick(Kind.allCases), depth: d)) is \(rng.chance(0.5) ? "not " : "")null)"
        case 9: return "(\(expression(.int, depth: d)) \(rng.chance(0.3) ? "not " : "")in (\(expression(.int, depth: d)), \(expression(.int, depth: d)), 3))"
        case 10: return "(\(expression(.string, depth: d)) in ('a', \(expression(.string, depth: d))))"
        case 11: return "(\(expression(.string, depth: d)) not in ('metric', 'a', ''))"
        case 12: return "(\(expression(.int, depth: d)) \(rng.chance(0.3) ? "not " : "")between \(expression(.int, depth: d)) and \(expression(.int, depth: d)))"
        case 13: return rng.pick(["starts_with", "ends_with", "contains"]) + "(\(expression(.string, depth: d)), \(expression(.string, depth: d)))"
        case 14: return "bool(\(expression(.string, depth: d)))"
        case 15: return "bool(\(expression(.int, depth: d)))"
        case 16: return "case when \(expression(.bool, depth: d)) then \(expression(.bool, depth: d)) else \(expression(.bool, depth: d)) end"
        case 17: return "coalesce(\(expression(.bool, depth: d)), \(expression(.bool, depth: d)))"
        case 18: return "(\(expression(.double, depth: d)) in (0.5, \(expression(.double, depth: d)), 2))"
        case 19: return "(\(expression(.double, depth: d)) between \(expression(.int, depth: d)) and \(expression(.double, depth: d)))"
        case 20: return "(\(expression(.bool, depth: d)) in (true, \(expression(.bool, depth: d))))"
        default: return "(\(expression(.timestamp, depth: d)) in (ts, \(expression(.timestamp, depth: d))))"
        }
    }

    private mutating func string(_ d: Int) -> String {
        let a = expression(.string, depth: d)
        switch Int.random(in: 0..<18, using: &rng) {
        case 0: return "(\(a) || \(expression(.string, depth: d)))"
        case 1: return "(\(a) || \(expression(rng.pick([.int, .double, .timestamp]), depth: d)))"
        case 2: return "concat(\(a), \(expression(rng.pick(Kind.allCases), depth: d)), \(expression(.string, depth: d)))"
        case 3: return rng.pick(["lower", "upper", "trim"]) + "(\(a))"
        case 4: return "substr(\(a), \(expression(.int, depth: d)))"
        case 5: return "substr(\(a), \(expression(.int, depth: d)), \(expression(.int, depth: d)))"
        case 6: return "replace(\(a), \(expression(.string, depth: d)), \(expression(.string, depth: d)))"
        case 7: return "string(\(expression(.int, depth: d)))"
        case 8: return "string(\(expression(.double, depth: d)))"
        case 9: return "string(\(expression(.timestamp, depth: d)))"
        case 10: return "string(\(expression(.bool, depth: d)))"
        case 11: return "coalesce(\(a), \(expression(.string, depth: d)))"
        case 12: return "if(\(expression(.bool, depth: d)), \(a), \(expression(.string, depth: d)))"
        case 13: return "case \(expression(.int, depth: d)) when \(expression(.int, depth: d)) then \(a) else \(expression(.string, depth: d)) end"
        case 14: return "nullif(\(a), \(expression(.string, depth: d)))"
        case 15: return "substr(\(a), 2, 3)"
        case 16: return "replace(\(a), 'a', 'xy')"
        default: return "case when \(expression(.bool, depth: d)) then \(a) end"
        }
    }

    private mutating func timestamp(_ d: Int) -> String {
        let a = expression(.timestamp, depth: d)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return "(\(a) + \(offset(d)))"
        case 1: return "(\(a) - \(offset(d)))"
        case 2: return "(\(offset(d)) + \(a))"
        case 3: return "date_trunc('\(rng.pick(["second", "minute", "hour", "day", "week", "month", "year"]))', \(a))"
        case 4: return "from_millis(\(offset(d)))"
        case 5: return "timestamp(\(offset(d)))"
        case 6: return "coalesce(\(a), \(expression(.timestamp, depth: d)))"
        case 7: return "if(\(expression(.bool, depth: d)), \(a), \(expression(.timestamp, depth: d)))"
        case 8: return "\(rng.pick(["least", "greatest"]))(\(a), \(expression(.timestamp, depth: d)))"
        default: return "(\(a) - \(rng.pick(["5s", "1m", "2h", "1d", "500ms"])))"
        }
    }
}
