public import SluiceCore
import Synchronization

/// A sink that keeps nothing: it counts rows, adds up the `n` column and the numeric
/// columns named in `checksumColumns`, so a run can be checked — `sum(count) == N` and the
/// values against a raw loop's (`Checksums`) — without the sink costing anything
/// measurable (one pass over a few columns of the output, which is small for W1).
public final class CountingSink: Sink {
    public let name: String
    public let checksumColumns: [String]
    private let totals: Mutex<(rows: Int64, count: Int64, sums: [Double])>

    /// `checksumColumns`: numeric columns (int or double) whose values are summed; W1's
    /// aggregate columns by default.
    public init(name: String = "count", checksumColumns: [String] = ["sum", "min", "max", "avg"]) {
        self.name = name
        self.checksumColumns = checksumColumns
        totals = Mutex((0, 0, [Double](repeating: 0, count: checksumColumns.count)))
    }

    public func open(schema: Schema, mode: SinkMode) throws {}

    public func write(_ batch: Batch) throws {
        precondition(!batch.isRetraction, "the benchmark workloads retract nothing")
        var n: Int64 = 0
        if let column = batch.column(named: "n") { for v in column.ints { n += v } }
        var sums = [Double](repeating: 0, count: checksumColumns.count)
        for (i, name) in checksumColumns.enumerated() {
            guard let column = batch.column(named: name) else { continue }
            precondition(column.count == batch.count, "column \(name): \(column.count) values, \(batch.count) rows")
            var s = 0.0
            if column.type == .double {
                for v in column.doubles { s += v }
            } else {
                for v in column.ints { s += Double(v) }
            }
            sums[i] = s
        }
        totals.withLock {
            $0.rows += Int64(batch.count)
            $0.count += n
            for i in sums.indices { $0.sums[i] += sums[i] }
        }
    }

    public func commit(epoch: Epoch) throws {}
    public func close() throws {}

    public var rows: Int64 { totals.withLock { $0.rows } }
    public var countSum: Int64 { totals.withLock { $0.count } }
    /// The sum over all rows of each of `checksumColumns`, in that order.
    public var columnSums: [Double] { totals.withLock { $0.sums } }
}

/// What a W1 run produced, summed over every emitted (key, window) row: the row count,
/// Σ count, Σ sum, Σ min, Σ max and Σ avg. The engine's (from a `CountingSink`) and a raw loop's
/// must agree: counts exactly, the double sums within a relative 1e-9 (the order of
/// additions differs).
public struct Checksums: Sendable, CustomStringConvertible {
    public var rows: Int64 = 0
    public var count: Int64 = 0
    public var sum = 0.0
    public var min = 0.0
    public var max = 0.0
    public var avg = 0.0

    public init() {}

    public init(rows: Int64, count: Int64, sum: Double, min: Double, max: Double, avg: Double) {
        self.rows = rows
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.avg = avg
    }

    /// A W1 sink's totals (its `checksumColumns` must be the default sum, min, max).
    public init(_ sink: CountingSink) {
        precondition(sink.checksumColumns == ["sum", "min", "max", "avg"], "not a W1 sink")
        let s = sink.columnSums
        self.init(rows: sink.rows, count: sink.countSum, sum: s[0], min: s[1], max: s[2], avg: s[3])
    }

    public var description: String {
        "rows \(rows), Σcount \(count), Σsum \(sum), Σmin \(min), Σmax \(max), Σavg \(avg)"
    }

    /// Nil when `other` matches; otherwise what differs.
    public func mismatch(_ other: Checksums, tolerance: Double = 1e-9) -> String? {
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= tolerance * Swift.max(1, abs(a), abs(b)) }
        guard rows == other.rows, count == other.count, close(sum, other.sum), close(min, other.min),
            close(max, other.max), close(avg, other.avg)
        else { return "\(self) vs \(other)" }
        return nil
    }

    /// Stops the process with both sets of totals when the engine's and the raw loop's differ.
    public static func require(engine: Checksums, raw: Checksums, _ what: String) {
        if let difference = engine.mismatch(raw) {
            preconditionFailure("\(what): engine and raw results differ: engine \(difference)")
        }
    }
}
