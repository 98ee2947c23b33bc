public import SluiceCore

/// Rows compared as a multiset: order does not matter, multiplicity does.
///
/// Rows are rendered canonically (columns sorted by name, values typed) and sorted, so two
/// results that differ only in row order compare equal, and a difference prints as the
/// rows missing and the rows unexpected:
///
/// ```swift
/// let actual = RowMultiset(sink.upsertedRows), expected = RowMultiset(goldenRows)
/// #expect(actual == expected, "\(actual.difference(from: expected))")
/// ```
public struct RowMultiset: Sendable, Equatable, CustomStringConvertible {
    /// The rows in canonical order.
    public let rows: [[String: Value]]
    /// `rows` rendered canonically, parallel to `rows`.
    public let renderedRows: [String]

    public init(_ rows: [[String: Value]]) {
        let rendered = rows.map(Self.render)
        let order = rendered.indices.sorted { rendered[$0] < rendered[$1] }
        self.rows = order.map { rows[$0] }
        renderedRows = order.map { rendered[$0] }
    }

    /// The rows of a batch.
    public init(_ batch: Batch) { self.init(batch.rows) }

    public var count: Int { rows.count }

    public static func == (lhs: RowMultiset, rhs: RowMultiset) -> Bool { lhs.renderedRows == rhs.renderedRows }

    /// The canonical text of one row: `{a=int(1), b=string('x')}` with columns sorted by
    /// name. Doubles print in their shortest exact form, so equal text means equal values.
    public static func render(_ row: [String: Value]) -> String {
        "{" + row.keys.sorted().map { "\($0)=\(render(row[$0]!))" }.joined(separator: ", ") + "}"
    }

    private static func render(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .int(let v): "int(\(v))"
        case .double(let d): "double(\(d))"
        case .bool(let b): "bool(\(b))"
        case .string(let s): "string(\(String(reflecting: s)))"
        case .timestamp(let t): "timestamp(\(t))"
        }
    }

    /// What `self` lacks and what it has in excess compared to `expected`.
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        /// Rows `expected` has more often than the actual rows, rendered.
        public var missing: [String]
        /// Rows the actual rows have more often than `expected`, rendered.
        public var unexpected: [String]

        public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty }

        public var description: String {
            if isEmpty { return "rows match" }
            var lines = ["\(missing.count) missing, \(unexpected.count) unexpected"]
            lines += missing.prefix(20).map { "- " + $0 }
            if missing.count > 20 { lines.append("- ... \(missing.count - 20) more missing") }
            lines += unexpected.prefix(20).map { "+ " + $0 }
            if unexpected.count > 20 { lines.append("+ ... \(unexpected.count - 20) more unexpected") }
            return lines.joined(separator: "\n")
        }
    }

    /// A merge over both sorted lists: rows in `expected` only are missing, rows here only
    /// are unexpected (counting repeats).
    public func difference(from expected: RowMultiset) -> Difference {
        var missing: [String] = []
        var unexpected: [String] = []
        var i = 0
        var j = 0
        let actual = renderedRows
        let wanted = expected.renderedRows
        while i < actual.count || j < wanted.count {
            if j == wanted.count || (i < actual.count && actual[i] < wanted[j]) {
                unexpected.append(actual[i])
                i += 1
            } else if i == actual.count || wanted[j] < actual[i] {
                missing.append(wanted[j])
                j += 1
            } else {
                i += 1
                j += 1
            }
        }
        return Difference(missing: missing, unexpected: unexpected)
    }

    public var description: String { renderedRows.joined(separator: "\n") }
}
