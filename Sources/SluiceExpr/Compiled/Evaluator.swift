import SluiceCore

/// One node of a compiled expression: computes its operand for a whole batch.
protocol Evaluator: Sendable {
    func evaluate(_ batch: Batch, _ context: EvaluationContext) -> Operand
}

/// A literal or a folded constant subexpression.
struct ConstantEvaluator: Evaluator {
    let value: Value
    func evaluate(_ batch: Batch, _ context: EvaluationContext) -> Operand { .scalar(value) }
}

/// A field of the batch, returned without copying.
///
/// The position is resolved at compile time and re-checked against the batch's schema;
/// a batch whose column is missing, of another type or malformed gives nulls rather than
/// letting a kernel read past an array.
struct FieldEvaluator: Evaluator {
    let index: Int
    let name: String
    let type: DataType

    func evaluate(_ batch: Batch, _ context: EvaluationContext) -> Operand {
        let position =
            index < batch.schema.count && batch.schema[index].name == name ? index : batch.schema.index(of: name)
        guard let position, position < batch.columns.count else { return .scalar(.null) }
        let column = batch.columns[position]
        guard column.type == type, column.count == batch.count, (column.validity?.count ?? batch.count) == batch.count
        else { return .scalar(.null) }
        return .column(column)
    }
}

/// `now()`: processing time from the evaluation context.
struct NowEvaluator: Evaluator {
    func evaluate(_ batch: Batch, _ context: EvaluationContext) -> Operand { .scalar(.timestamp(context.nowMillis)) }
}

/// An operation over its operands' results.
struct KernelEvaluator: Evaluator {
    typealias Kernel = @Sendable (_ operands: [Operand], _ count: Int) -> Operand

    let operands: [any Evaluator]
    let kernel: Kernel

    func evaluate(_ batch: Batch, _ context: EvaluationContext) -> Operand {
        kernel(operands.map { $0.evaluate(batch, context) }, batch.count)
    }
}
