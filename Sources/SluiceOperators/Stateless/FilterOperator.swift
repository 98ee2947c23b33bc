public import SluiceCore

/// Keeps the rows where a boolean predicate is true; a null predicate drops the row.
///
/// Vectorized: the predicate is evaluated once per batch and the kept rows leave as a
/// selection of the batch (`OperatorOutput.emit(_:rows:)`), gathered only where the next
/// step needs a batch of its own (a batch that keeps every row is passed on unchanged). Port 0 carries the
/// input schema. A retraction batch passes whole: its rows carry keys, not the values a
/// predicate reads, and retracting a row a view lacks is harmless.
///
/// - Important: construct only from arguments `validate` accepted.
public final class FilterOperator: StreamOperator {
    public let outputSchemas: [Schema]
    public private(set) var counters = OperatorCounters()
    private let predicate: any BatchExpression
    private var nowMillis: Int64 = 0

    /// Builds the filter; `predicate` must have passed `validate` (a bool expression).
    public init(schema: Schema, predicate: any BatchExpression) {
        let errors = Self.validate(schema: schema, predicate: predicate)
        precondition(errors.isEmpty, "FilterOperator built from an unvalidated spec: \(errors)")
        outputSchemas = [schema]
        self.predicate = predicate
    }

    /// Load-time checks: the predicate is boolean. Returns one message per problem.
    public static func validate(schema: Schema, predicate: any BatchExpression) -> [String] {
        PredicateSelection.validate(predicate, role: "filter predicate")
    }

    public func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        if batch.isRetraction { return out.emit(batch) }
        counters.rowsIn += Int64(batch.count)
        guard !batch.isEmpty else { return }
        let keep = PredicateSelection.rows(predicate.evaluate(batch, context: EvaluationContext(nowMillis: nowMillis)))
        counters.rowsOut += Int64(keep.count)
        out.emit(batch, rows: keep)
    }

    /// Rows of a batch (an exchange's share, or an upstream selection): when they are a
    /// good part of it, the predicate runs over the whole batch and the kept rows stay a
    /// selection, so none of the batch's columns is copied here; a small share is gathered
    /// first, so the predicate does not run over many rows that are not ours.
    public func process(_ batch: Batch, rows: [Int32], input: Int, into out: inout OperatorOutput) {
        if batch.isRetraction { return out.emit(batch.gather(rows)) }
        guard rows.count * 4 >= batch.count else { return process(batch.gather(rows), input: input, into: &out) }
        counters.rowsIn += Int64(rows.count)
        guard !rows.isEmpty else { return }
        let predicate = predicate.evaluate(batch, context: EvaluationContext(nowMillis: nowMillis))
        let keep = PredicateSelection.rows(predicate, among: rows)
        counters.rowsOut += Int64(keep.count)
        out.emit(batch, rows: keep)
    }

    /// Remembers processing time for expressions that read `now()`.
    public func tick(nowMillis: Int64, into out: inout OperatorOutput) { self.nowMillis = nowMillis }
}
