import SluiceCore
import Testing

/// What a test expects of one column of one view row.
enum Expected: CustomStringConvertible {
    case exact(Value)
    /// A double within a relative tolerance (sums in another order differ in the last bits).
    case approximately(Double)
    /// Null, or a double within tolerance.
    case approximatelyOrNull(Double?)
    /// Any of these values (ties in event time may resolve either way).
    case oneOf(Set<Value>)
    /// A percentile sketch's estimate: within 1% of a value at the target rank of `sorted`.
    case quantile(Double, sorted: [Double])

    func accepts(_ value: Value?) -> Bool {
        let value = value ?? .null
        switch self {
        case .exact(let expected): return value == expected
        case .approximately(let x): return value.asDouble.map { Self.close($0, x) } ?? false
        case .approximatelyOrNull(nil): return value == .null
        case .approximatelyOrNull(let x?): return value.asDouble.map { Self.close($0, x) } ?? false
        case .oneOf(let values): return values.contains(value)
        case .quantile(let q, let sorted):
            guard case .double(let estimate) = value, !sorted.isEmpty else { return false }
            let rank = q * Double(sorted.count - 1)
            let candidates = sorted[Int(rank.rounded(.down))...Int(rank.rounded(.up))]
            return candidates.contains { abs(estimate - $0) <= 0.0101 * abs($0) + 1e-9 }
        }
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }

    var description: String {
        switch self {
        case .exact(let v): "\(v)"
        case .approximately(let x): "≈\(x)"
        case .approximatelyOrNull(let x): x.map { "≈\($0)" } ?? "null"
        case .oneOf(let values): "one of \(values)"
        case .quantile(let q, let sorted): "p\(Int(q * 100)) of \(sorted.count) values"
        }
    }
}

/// Compares a view's rows with expected rows: the same keys, and every expected column
/// accepted. Returns the number of rows compared.
@discardableResult
func expectView(
    _ rows: [[String: Value]], key: [String], equals expected: [[Value]: [String: Expected]],
    sourceLocation: SourceLocation = #_sourceLocation
) -> Int {
    var actualKeys = Set<[Value]>()
    for row in rows {
        let rowKey = key.map { row[$0] ?? .null }
        #expect(actualKeys.insert(rowKey).inserted, "key \(rowKey) appears twice", sourceLocation: sourceLocation)
        guard let columns = expected[rowKey] else {
            Issue.record("unexpected row \(row)", sourceLocation: sourceLocation)
            continue
        }
        for (column, expectation) in columns where !expectation.accepts(row[column]) {
            Issue.record("\(rowKey) \(column): got \(row[column] ?? .null), expected \(expectation)", sourceLocation: sourceLocation)
        }
    }
    for missing in Set(expected.keys).subtracting(actualKeys).prefix(10) {
        Issue.record("missing row \(missing)", sourceLocation: sourceLocation)
    }
    #expect(rows.count == expected.count, sourceLocation: sourceLocation)
    return rows.count
}

/// The start of the window of `size` ms holding `ts` (epoch-aligned, floor).
func windowStart(_ ts: Int64, size: Int64) -> Int64 { ts - ((ts % size) + size) % size }

extension [String: Value] {
    func double(_ name: String) -> Double? { self[name]?.asDouble }
    func timestamp(_ name: String) -> Int64? {
        if case .timestamp(let t)? = self[name] { return t }
        return nil
    }
}
