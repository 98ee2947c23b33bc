import SluiceCore

/// `in`, `between` and `case`: built from comparisons, logic and row selection, with
/// the tested value evaluated once.
extension TypeChecker {
    mutating func inList(_ operand: Checked, _ items: [Checked], negated: Bool, _ span: SourceSpan) -> Checked {
        guard case let (value, list, type)? = comparable(operand, items, span: nil) else { return .invalid(span) }
        let nullable = value.nullable || list.contains(where: \.nullable)
        let constants = list.compactMap(\.constant)
        if constants.count == list.count {
            return apply(.bool, nullable: nullable, span, [value]) { operands, count in
                let found = Membership.contains(operands[0], constants: constants, type: type, count: count)
                return negated ? Logic.not(found, count: count) : found
            }
        }
        // Items that vary by row: `x = a or x = b or ...`, exactly SQL's definition.
        return apply(.bool, nullable: nullable, span, [value] + list) { operands, count in
            var found = Comparison.compare(.equal, operands[0], operands[1], type: type, count: count)
            for item in operands.dropFirst(2) {
                found = Logic.or(found, Comparison.compare(.equal, operands[0], item, type: type, count: count), count: count)
            }
            return negated ? Logic.not(found, count: count) : found
        }
    }

    mutating func between(
        _ operand: Checked, _ low: Checked, _ high: Checked, negated: Bool, _ span: SourceSpan
    ) -> Checked {
        guard case let (value, bounds, type)? = comparable(operand, [low, high], span: nil) else { return .invalid(span) }
        let nullable = value.nullable || low.nullable || high.nullable
        return apply(.bool, nullable: nullable, span, [value] + bounds) { operands, count in
            let inside = Logic.and(
                Comparison.compare(.greaterOrEqual, operands[0], operands[1], type: type, count: count),
                Comparison.compare(.lessOrEqual, operands[0], operands[2], type: type, count: count), count: count)
            return negated ? Logic.not(inside, count: count) : inside
        }
    }

    /// `case [subject] when ... then ... [else ...] end`: the first matching arm wins; no
    /// match and no `else` gives null. A null subject matches no arm.
    mutating func caseWhen(
        _ subject: Checked?, _ clauses: [(when: Checked, then: Checked)], _ otherwise: Checked?, _ span: SourceSpan
    ) -> Checked {
        var conditions = clauses.map(\.when)
        var subjectOperand: Checked?
        var comparisonType = DataType.bool
        var ok = true
        if let subject {
            if case let (value, whens, type)? = comparable(subject, conditions, span: nil) {
                subjectOperand = value
                conditions = whens
                comparisonType = type
            } else {
                ok = false
            }
        } else {
            for condition in conditions where !requireBool(condition, "'when' condition") { ok = false }
        }
        let results = clauses.map(\.then) + (otherwise.map { [$0] } ?? [])
        guard case let (resultType, unified)? = unify(results, "'case' branches"), ok else { return .invalid(span) }
        guard let resultType else { return .null(nil, span) }
        let arms = clauses.count
        let subjectType = comparisonType
        let hasElse = otherwise != nil
        let hasSubject = subjectOperand != nil
        let nullable = !hasElse || unified.contains(where: \.nullable)
        let operands = (subjectOperand.map { [$0] } ?? []) + conditions + unified
        return apply(resultType, nullable: nullable, span, operands) { operands, count in
            let base = hasSubject ? 1 : 0
            var result = hasElse ? operands[base + 2 * arms] : .scalar(.null)
            for arm in (0..<arms).reversed() {
                let when = operands[base + arm]
                let condition =
                    hasSubject
                    ? Comparison.compare(.equal, operands[0], when, type: subjectType, count: count) : when
                result = Selection.choose(condition, operands[base + arms + arm], result, type: resultType, count: count)
            }
            return result
        }
    }
}
