import Foundation
import SluiceCore
import SluiceExpr

/// An independent, row-at-a-time interpreter over `Value`s: the oracle the vectorized
/// engine is compared with. It shares no code with SluiceExpr beyond the parsed tree and
/// uses Foundation for calendar work, so the two implementations fail differently.
struct Reference {
    let schema: Schema
    var nowMillis: Int64 = 0

    // MARK: Static types (nil: an untyped null)

    func type(_ node: ExprNode) -> DataType? {
        switch node {
        case .literal(let value, _):
            switch value {
            case .null: return nil
            case .int: return .int64
            case .double: return .double
            case .bool: return .bool
            case .string: return .string
            case .timestamp: return .timestamp
            }
        case .field(let name, _): return schema.field(named: name)!.type
        case .unary(.not, _, _): return .bool
        case .unary(.negate, let operand, _): return type(operand)
        case .binary(let op, let lhs, let rhs, _, _):
            switch op {
            case .add, .subtract, .multiply, .divide, .remainder:
                return arithmeticType(op, type(lhs), type(rhs))
            case .concat: return .string
            default: return .bool
            }
        case .cast(_, let to, _): return to
        case .isNull, .inList, .between: return .bool
        case .caseWhen(_, let clauses, let otherwise, _):
            return common(clauses.map { type($0.then) } + [otherwise.flatMap { type($0) }])
        case .call(let name, let arguments, _, _):
            return functionType(name, arguments.map { type($0) })
        }
    }

    func arithmeticType(_ op: ExprBinaryOperator, _ l: DataType?, _ r: DataType?) -> DataType? {
        guard let l, let r else {
            let other = l ?? r
            return op == .divide && other != nil ? .double : other
        }
        if l == .timestamp || r == .timestamp { return l == .timestamp && r == .timestamp ? .int64 : .timestamp }
        if op == .divide || l == .double || r == .double { return .double }
        return .int64
    }

    func common(_ types: [DataType?]) -> DataType? {
        let known = types.compactMap { $0 }
        if known.contains(.double) && known.allSatisfy({ $0 == .int64 || $0 == .double }) { return .double }
        return known.first
    }

    func functionType(_ name: String, _ args: [DataType?]) -> DataType? {
        switch name {
        case "lower", "upper", "trim", "concat", "substr", "replace", "string": return .string
        case "length", "int", "to_millis": return .int64
        case "starts_with", "ends_with", "contains", "bool": return .bool
        case "double", "sqrt", "ln", "exp", "pow": return .double
        case "timestamp", "now", "date_trunc", "from_millis", "window_start", "window_end": return .timestamp
        case "coalesce", "least", "greatest", "clamp": return common(args)
        case "nullif": return common(args)
        case "if": return common(Array(args.dropFirst()))
        case "abs", "floor", "ceil": return args[0]
        case "round": return args.count == 2 ? .double : args[0]
        default: fatalError("reference has no function \(name)")
        }
    }

    // MARK: Evaluation

    func evaluate(_ node: ExprNode, _ row: [String: Value]) -> Value {
        conform(raw(node, row), to: type(node))
    }

    /// The representation of `value` under the static type (int → double, int ↔ timestamp).
    func conform(_ value: Value, to type: DataType?) -> Value {
        switch (value, type) {
        case (.int(let v), .double?): .double(Double(v))
        case (.int(let v), .timestamp?): .timestamp(v)
        case (.timestamp(let v), .int64?): .int(v)
        default: value
        }
    }

    private func raw(_ node: ExprNode, _ row: [String: Value]) -> Value {
        switch node {
        case .literal(let value, _): return value
        case .field(let name, _): return row[name] ?? .null
        case .unary(.not, let operand, _):
            guard case .bool(let b) = evaluate(operand, row) else { return .null }
            return .bool(!b)
        case .unary(.negate, let operand, _):
            switch evaluate(operand, row) {
            case .int(let v): return v == .min ? .null : .int(-v)
            case .double(let d): return finite(-d)
            default: return .null
            }
        case .binary(let op, let lhs, let rhs, _, _):
            let l = evaluate(lhs, row)
            let r = evaluate(rhs, row)
            switch op {
            case .and: return and(l, r)
            case .or: return or(l, r)
            case .concat:
                guard let a = text(l), let b = text(r) else { return .null }
                return .string(a + b)
            case .add, .subtract, .multiply, .divide, .remainder: return arithmetic(op, l, r)
            default: return compare(op, l, r)
            }
        case .cast(let operand, let to, _): return cast(evaluate(operand, row), to: to)
        case .isNull(let operand, let negated, _): return .bool(evaluate(operand, row).isNull != negated)
        case .inList(let operand, let items, let negated, _):
            let x = evaluate(operand, row)
            let found = items.reduce(Value.bool(false)) { or($0, compare(.equal, x, evaluate($1, row))) }
            return negated ? not(found) : found
        case .between(let operand, let low, let high, let negated, _):
            let x = evaluate(operand, row)
            let inside = and(
                compare(.greaterOrEqual, x, evaluate(low, row)), compare(.lessOrEqual, x, evaluate(high, row)))
            return negated ? not(inside) : inside
        case .caseWhen(let subject, let clauses, let otherwise, _):
            let s = subject.map { evaluate($0, row) }
            for clause in clauses {
                let w = evaluate(clause.when, row)
                let hit = s.map { compare(.equal, $0, w) } ?? w
                if hit == .bool(true) { return evaluate(clause.then, row) }
            }
            return otherwise.map { evaluate($0, row) } ?? .null
        case .call(let name, let arguments, _, _):
            return call(name, arguments, row)
        }
    }

    func not(_ v: Value) -> Value { v.asBool.map { .bool(!$0) } ?? .null }

    func and(_ l: Value, _ r: Value) -> Value {
        if l == .bool(false) || r == .bool(false) { return .bool(false) }
        if l == .bool(true) && r == .bool(true) { return .bool(true) }
        return .null
    }

    func or(_ l: Value, _ r: Value) -> Value {
        if l == .bool(true) || r == .bool(true) { return .bool(true) }
        if l == .bool(false) && r == .bool(false) { return .bool(false) }
        return .null
    }

    func finite(_ d: Double) -> Value { d.isFinite ? .double(d) : .null }

    func isDouble(_ v: Value) -> Bool { if case .double = v { true } else { false } }

    func arithmetic(_ op: ExprBinaryOperator, _ l: Value, _ r: Value) -> Value {
        if l.isNull || r.isNull { return .null }
        if op == .divide || isDouble(l) || isDouble(r) {
            let a = l.asDouble!
            let b = r.asDouble!
            switch op {
            case .add: return finite(a + b)
            case .subtract: return finite(a - b)
            case .multiply: return finite(a * b)
            case .divide: return b == 0 ? .null : finite(a / b)
            default: return b == 0 ? .null : finite(fmod(a, b))
            }
        }
        let a = l.asInt!
        let b = r.asInt!
        let result: (partialValue: Int64, overflow: Bool)
        switch op {
        case .add: result = a.addingReportingOverflow(b)
        case .subtract: result = a.subtractingReportingOverflow(b)
        case .multiply: result = a.multipliedReportingOverflow(by: b)
        default:
            if b == 0 { return .null }
            return .int(b == -1 ? 0 : a % b)
        }
        return result.overflow ? .null : .int(result.partialValue)
    }

    func compare(_ op: ExprBinaryOperator, _ l: Value, _ r: Value) -> Value {
        let order: Int
        switch (l, r) {
        case (.null, _), (_, .null): return .null
        case (.string(let a), .string(let b)): order = a < b ? -1 : a == b ? 0 : 1
        case (.bool(let a), .bool(let b)): order = a == b ? 0 : (a ? 1 : -1)
        case (.double, _), (_, .double):
            let a = l.asDouble!
            let b = r.asDouble!
            if a.isNaN || b.isNaN { return .bool(op == .notEqual) }
            order = a < b ? -1 : a == b ? 0 : 1
        default:
            let a = l.asInt!
            let b = r.asInt!
            order = a < b ? -1 : a == b ? 0 : 1
        }
        switch op {
        case .equal: return .bool(order == 0)
        case .notEqual: return .bool(order != 0)
        case .less: return .bool(order < 0)
        case .lessOrEqual: return .bool(order <= 0)
        case .greater: return .bool(order > 0)
        default: return .bool(order >= 0)
        }
    }

    // MARK: Casts

    func text(_ v: Value) -> String? {
        switch v {
        case .null: nil
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): "\(d)"
        case .bool(let b): b ? "true" : "false"
        case .timestamp(let t): iso(t)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` only (the form the random strings use), through Foundation's
    /// calendar; impossible dates are rejected by checking the components round-trip.
    func parseISO(_ s: String) -> Int64? {
        let bytes = Array(s.utf8)
        guard bytes.count == 20, bytes[4] == 0x2d, bytes[7] == 0x2d, bytes[10] == 0x54, bytes[13] == 0x3a,
            bytes[16] == 0x3a, bytes[19] == 0x5a
        else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = Reference.utc.date(from: components) else { return nil }
        let back = Reference.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard back.year == year, back.month == month, back.day == day, back.hour == hour, back.minute == minute,
            back.second == second
        else { return nil }
        return Int64(date.timeIntervalSince1970) * 1000
    }

    /// ISO 8601 from calendar components of the whole second, plus the milliseconds.
    func iso(_ millis: Int64) -> String {
        let seconds = millis / 1000 - (millis % 1000 < 0 ? 1 : 0)
        let ms = millis - seconds * 1000
        let date = Date(timeIntervalSince1970: Double(seconds))
        let c = Reference.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ v: Int, _ width: Int) -> String {
            String(repeating: "0", count: max(0, width - String(v).count)) + String(v)
        }
        return "\(pad(c.year!, 4))-\(pad(c.month!, 2))-\(pad(c.day!, 2))T\(pad(c.hour!, 2)):\(pad(c.minute!, 2)):"
            + "\(pad(c.second!, 2)).\(pad(Int(ms), 3))Z"
    }

    func truncated(_ d: Double) -> Value {
        guard d.isFinite, d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0 else { return .null }
        return .int(Int64(d.rounded(.towardZero)))
    }

    func trimmed(_ s: String) -> String {
        String(String(s.drop(while: \.isWhitespace).reversed()).drop(while: \.isWhitespace).reversed())
    }

    func cast(_ v: Value, to: DataType) -> Value {
        if v.isNull { return .null }
        switch (v, to) {
        case (_, .string): return text(v).map(Value.string) ?? .null
        case (.string(let s), .int64):
            if let i = Int64(trimmed(s)) { return .int(i) }
            guard let d = Double(trimmed(s)) else { return .null }
            return truncated(d)
        case (.string(let s), .double):
            guard let d = Double(trimmed(s)), d.isFinite else { return .null }
            return .double(d)
        case (.string(let s), .bool):
            let word = trimmed(s).lowercased()
            if ["true", "t", "yes", "y", "1"].contains(word) { return .bool(true) }
            if ["false", "f", "no", "n", "0"].contains(word) { return .bool(false) }
            return .null
        case (.string(let s), .timestamp):
            return parseISO(s).map(Value.timestamp) ?? .null
        case (.double(let d), .int64), (.double(let d), .timestamp):
            return conform(truncated(d), to: to)
        case (.double(let d), .bool): return d.isNaN ? .null : .bool(d != 0)
        case (.bool(let b), .int64): return .int(b ? 1 : 0)
        case (.bool(let b), .double): return .double(b ? 1 : 0)
        case (.int(let i), .bool): return .bool(i != 0)
        case (.int(let i), .double), (.timestamp(let i), .double): return .double(Double(i))
        case (.int(let i), .timestamp), (.timestamp(let i), .timestamp): return .timestamp(i)
        case (.timestamp(let i), .int64), (.int(let i), .int64): return .int(i)
        case (.bool, .bool), (.double, .double): return v
        default: fatalError("reference cast \(v) to \(to)")
        }
    }

    // MARK: Functions

    func call(_ name: String, _ arguments: [ExprNode], _ row: [String: Value]) -> Value {
        let args = arguments.map { evaluate($0, row) }
        let resultType = functionType(name, arguments.map { type($0) })
        let strictNames: Set = [
            "lower", "upper", "trim", "length", "starts_with", "ends_with", "contains", "substr", "replace",
            "date_trunc", "to_millis", "from_millis", "abs", "round", "floor", "ceil", "sqrt", "ln", "exp", "pow", "clamp",
        ]
        if strictNames.contains(name) && args.contains(where: \.isNull) { return .null }
        switch name {
        case "lower": return .string(args[0].asString!.lowercased())
        case "upper": return .string(args[0].asString!.uppercased())
        case "trim": return .string(trimmed(args[0].asString!))
        case "length": return .int(Int64(Array(args[0].asString!).count))
        case "starts_with": return .bool(Array(args[0].asString!).starts(with: Array(args[1].asString!)))
        case "ends_with":
            return .bool(Array(args[0].asString!).reversed().starts(with: Array(args[1].asString!).reversed()))
        case "contains": return .bool(find(Array(args[1].asString!), in: Array(args[0].asString!), from: 0) != nil)
        case "substr": return substr(args[0].asString!, args[1].asInt!, args.count > 2 ? args[2].asInt! : nil)
        case "replace": return .string(replace(args[0].asString!, args[1].asString!, args[2].asString!))
        case "concat": return .string(args.map { text($0) ?? "" }.joined())
        case "coalesce": return conform(args.first { !$0.isNull } ?? .null, to: resultType)
        case "nullif": return compare(.equal, args[0], args[1]) == .bool(true) ? .null : conform(args[0], to: resultType)
        case "if": return conform(args[0] == .bool(true) ? args[1] : args[2], to: resultType)
        case "int": return cast(args[0], to: .int64)
        case "double": return cast(args[0], to: .double)
        case "string": return cast(args[0], to: .string)
        case "bool": return cast(args[0], to: .bool)
        case "timestamp": return cast(args[0], to: .timestamp)
        case "now": return .timestamp(nowMillis)
        case "window_start": return row["window_start"] ?? .null
        case "window_end": return row["window_end"] ?? .null
        case "to_millis": return .int(args[0].asInt!)
        case "from_millis": return .timestamp(args[0].asInt!)
        case "date_trunc": return dateTrunc(args[0].asString!, args[1].asInt!)
        case "abs":
            if case .int(let i) = args[0] { return i == .min ? .null : .int(Swift.abs(i)) }
            return finite(Swift.abs(args[0].asDouble!))
        case "floor", "ceil", "round":
            if args.count == 2 { return roundTo(args[0].asDouble!, args[1].asInt!) }
            if case .int = args[0] { return args[0] }
            let d = args[0].asDouble!
            return finite(name == "floor" ? Foundation.floor(d) : name == "ceil" ? Foundation.ceil(d) : Foundation.round(d))
        case "sqrt": return finite(Foundation.sqrt(args[0].asDouble!))
        case "ln": return finite(Foundation.log(args[0].asDouble!))
        case "exp": return finite(Foundation.exp(args[0].asDouble!))
        case "pow": return finite(Foundation.pow(args[0].asDouble!, args[1].asDouble!))
        case "least", "greatest":
            let present = args.filter { !$0.isNull }
            guard var best = present.first else { return .null }
            for v in present.dropFirst() where compare(name == "least" ? .less : .greater, v, best) == .bool(true) {
                best = v
            }
            return conform(best, to: resultType)
        case "clamp":
            var v = args[0]
            if compare(.less, v, args[1]) == .bool(true) { v = args[1] }
            if compare(.greater, v, args[2]) == .bool(true) { v = args[2] }
            return conform(v, to: resultType)
        default: fatalError("reference has no function \(name)")
        }
    }

    func substr(_ s: String, _ start: Int64, _ length: Int64?) -> Value {
        let chars = Array(s)
        if let length, length < 0 { return .null }
        let lower = max(start, 1)
        var upper = Int64(chars.count) + 1
        if let length {
            let (end, overflow) = start.addingReportingOverflow(length)
            if !overflow { upper = min(upper, end) }
        }
        guard upper > lower, lower <= Int64(chars.count) else { return .string("") }
        return .string(String(chars[Int(lower - 1)..<Int(upper - 1)]))
    }

    func find(_ needle: [Character], in haystack: [Character], from: Int) -> Int? {
        if needle.isEmpty { return from }
        guard haystack.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= haystack.count {
            if Array(haystack[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }

    func replace(_ s: String, _ target: String, _ with: String) -> String {
        let hay = Array(s)
        let needle = Array(target)
        if needle.isEmpty { return s }
        var out: [Character] = []
        var i = 0
        while let hit = find(needle, in: hay, from: i) {
            out += hay[i..<hit]
            out += Array(with)
            i = hit + needle.count
        }
        out += hay[i...]
        return String(out)
    }

    func roundTo(_ x: Double, _ digits: Int64) -> Value {
        if digits > 15 { return finite(x) }
        if digits < -308 { return .double(0) }
        let scale = Foundation.pow(10, Double(Swift.abs(digits)))
        return finite(digits >= 0 ? Foundation.round(x * scale) / scale : Foundation.round(x / scale) * scale)
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        return calendar
    }()

    func dateTrunc(_ unit: String, _ millis: Int64) -> Value {
        func floorTo(_ step: Int64) -> Value {
            let q = millis / step - (millis % step < 0 ? 1 : 0)
            return .timestamp(q * step)
        }
        switch unit.lowercased() {
        case "second": return floorTo(1000)
        case "minute": return floorTo(60_000)
        case "hour": return floorTo(3_600_000)
        case "day": return floorTo(86_400_000)
        default:
            let component: Calendar.Component = unit == "week" ? .weekOfYear : unit == "month" ? .month : .year
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let start = Reference.utc.dateInterval(of: component, for: date)!.start
            return .timestamp(Int64((start.timeIntervalSince1970 * 1000).rounded()))
        }
    }
}
