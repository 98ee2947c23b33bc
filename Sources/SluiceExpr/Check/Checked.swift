import SluiceCore

/// The static type of a subexpression.
enum ExprType: Equatable {
    case known(DataType)
    /// The `null` literal, whose type is whatever its context needs.
    case null
    /// An error was reported inside; parents stay silent about it to avoid cascades.
    case invalid

    var dataType: DataType? { if case .known(let type) = self { type } else { nil } }

    var name: String {
        switch self {
        case .known(let type): type.description
        case .null: "null"
        case .invalid: "invalid"
        }
    }
}

/// A type-checked subexpression and the evaluator that computes it.
struct Checked {
    var type: ExprType
    var nullable: Bool
    var evaluator: any Evaluator
    var span: SourceSpan

    /// The value, when the subexpression is (or was folded to) a constant.
    var constant: Value? { (evaluator as? ConstantEvaluator)?.value }
    var isInvalid: Bool { type == .invalid }

    static func invalid(_ span: SourceSpan) -> Checked {
        Checked(type: .invalid, nullable: true, evaluator: ConstantEvaluator(value: .null), span: span)
    }

    /// A null whose type is already decided (`1 + null` is an int null).
    static func null(_ type: DataType?, _ span: SourceSpan) -> Checked {
        Checked(
            type: type.map(ExprType.known) ?? .null, nullable: true, evaluator: ConstantEvaluator(value: .null),
            span: span)
    }
}
