import SluiceCore

/// Runs a null-propagating kernel: a null in any operand row makes that result row null,
/// and so does a row the kernel marks bad (overflow, division by zero, NaN).
///
/// A scalar null operand short-circuits to the scalar null. When every operand is a
/// scalar the kernel runs on one row and the result stays a scalar.
func strict(_ operands: [Operand], count: Int, _ kernel: (_ rows: Int) -> KernelOutput) -> Operand {
    if operands.contains(where: \.isNull) { return .scalar(.null) }
    let allScalar = operands.allSatisfy(\.isScalar)
    var out = kernel(allScalar ? 1 : count)
    if allScalar {
        if out.bad?.first == true { return .scalar(.null) }
        return .scalar(out.column.value(at: 0))
    }
    let inputs = Validity.and(operands.map(\.validity))
    out.column.validity = Validity.removing(out.bad, from: Validity.and(inputs, out.column.validity))
    return .column(out.column)
}
