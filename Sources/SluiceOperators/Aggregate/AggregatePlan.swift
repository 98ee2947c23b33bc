import SluiceCore

/// The physical form of a list of `AggregateSpec`s: which arguments to evaluate, which
/// accumulators to keep, and how each output column is read from them.
///
/// Equal work is shared: an argument used by several aggregates is evaluated once per
/// batch (arguments are identified by their text and type), `sum(x)` and `avg(x)` share
/// one sum, `min`, `max`, `sum` and `avg` of one argument share its non-null count, and
/// every `percentile(x, q)` shares one sketch. A non-nullable argument's non-null count is
/// the row count, so `count()` and the W1 aggregates keep one counter between them.
struct AggregatePlan: Sendable {
    /// One distinct argument expression.
    struct Argument: Sendable {
        var expression: any BatchExpression
        /// Some accumulator keeps its strings (min / max / first / last of a string).
        var keepsStrings = false
        /// Some accumulator hashes its values (count_distinct of a string).
        var hashesStrings = false
    }

    /// One physical accumulator; equal cases are shared.
    enum Accumulation: Hashable, Sendable {
        /// Rows (`argument == nil`) or non-null values of an argument.
        case count(argument: Int?)
        case sum(argument: Int, type: DataType)
        case extreme(argument: Int, isMax: Bool, type: DataType)
        case firstLast(argument: Int, isLast: Bool, type: DataType)
        case moments(argument: Int)
        case distinct(argument: Int)
        case hyperLogLog(argument: Int)
        case quantiles(argument: Int)

        var argument: Int? {
            switch self {
            case .count(let a): a
            case .sum(let a, _), .extreme(let a, _, _), .firstLast(let a, _, _), .moments(let a), .distinct(let a),
                .hyperLogLog(let a), .quantiles(let a):
                a
            }
        }
    }

    private(set) var arguments: [Argument] = []
    private(set) var accumulations: [Accumulation] = []
    /// One recipe per aggregate spec, in spec order.
    private(set) var recipes: [AggregateRecipe] = []
    /// One output field per aggregate spec, in spec order.
    private(set) var fields: [Field] = []

    /// Builds the plan; the specs must have passed `AggregateSpec.validationError`.
    init(_ specs: [AggregateSpec]) {
        for spec in specs {
            guard let type = spec.resultType else { preconditionFailure("invalid aggregate \(spec.output)") }
            let argument = spec.argument.map { self.argument($0, kind: spec.kind) }
            let argumentType = spec.argument?.type ?? .int64
            let recipe: AggregateRecipe
            switch spec.kind {
            case .count:
                recipe = .count(accumulator: nonNullCount(argument))
            case .sum:
                recipe = .sum(
                    accumulator: accumulator(.sum(argument: argument!, type: argumentType)),
                    count: nonNullCount(argument))
            case .avg:
                recipe = .average(
                    sum: accumulator(.sum(argument: argument!, type: argumentType)), count: nonNullCount(argument))
            case .min, .max:
                recipe = .extreme(
                    accumulator: accumulator(.extreme(argument: argument!, isMax: spec.kind == .max, type: argumentType)),
                    count: nonNullCount(argument))
            case .first, .last:
                recipe = .firstLast(
                    accumulator: accumulator(
                        .firstLast(argument: argument!, isLast: spec.kind == .last, type: argumentType)))
            case .stddev:
                recipe = .standardDeviation(accumulator: accumulator(.moments(argument: argument!)))
            case .countDistinct:
                recipe = .distinctCount(accumulator: accumulator(.distinct(argument: argument!)))
            case .approxCountDistinct:
                recipe = .approximateDistinctCount(accumulator: accumulator(.hyperLogLog(argument: argument!)))
            case .percentile:
                recipe = .percentile(accumulator: accumulator(.quantiles(argument: argument!)), fraction: spec.parameter!)
            }
            recipes.append(recipe)
            let alwaysPresent = spec.kind == .count || spec.kind == .countDistinct || spec.kind == .approxCountDistinct
            fields.append(Field(spec.output, type, nullable: !alwaysPresent))
        }
    }

    /// Fresh, empty accumulators for one table, parallel to `accumulations`.
    func makeAccumulators() -> [any Accumulator] {
        accumulations.map { accumulation -> any Accumulator in
            switch accumulation {
            case .count: CountAccumulator()
            case .sum(_, let type): type == .double ? DoubleSumAccumulator() : IntSumAccumulator()
            case .extreme(_, let isMax, let type):
                switch type {
                case .double: DoubleExtremeAccumulator(isMax: isMax)
                case .string: StringExtremeAccumulator(isMax: isMax)
                default: IntExtremeAccumulator(isMax: isMax)
                }
            case .firstLast(_, let isLast, let type): FirstLastAccumulator(isLast: isLast, type: type)
            case .moments: MomentsAccumulator()
            case .distinct: DistinctAccumulator()
            case .hyperLogLog: HyperLogLogAccumulator()
            case .quantiles: QuantileAccumulator()
            }
        }
    }

    /// A text that changes whenever the physical layout changes (snapshot compatibility).
    var layoutSignature: String {
        let args = arguments.map { "\($0.expression):\($0.expression.type)" }.joined(separator: ",")
        return "args[\(args)] acc\(accumulations.map { "\($0)" }) out\(fields.map(\.description))"
    }

    private mutating func argument(_ expression: any BatchExpression, kind: AggregateKind) -> Int {
        let index: Int
        if let found = arguments.firstIndex(where: {
            $0.expression.description == expression.description && $0.expression.type == expression.type
                && $0.expression.nullable == expression.nullable
        }) {
            index = found
        } else {
            index = arguments.count
            arguments.append(Argument(expression: expression))
        }
        if expression.type == .string {
            switch kind {
            case .min, .max, .first, .last: arguments[index].keepsStrings = true
            case .countDistinct, .approxCountDistinct: arguments[index].hashesStrings = true
            default: break
            }
        }
        return index
    }

    /// The counter of non-null values of `argument` (rows when it cannot be null).
    private mutating func nonNullCount(_ argument: Int?) -> Int {
        guard let argument, arguments[argument].expression.nullable else { return accumulator(.count(argument: nil)) }
        return accumulator(.count(argument: argument))
    }

    private mutating func accumulator(_ accumulation: Accumulation) -> Int {
        if let index = accumulations.firstIndex(of: accumulation) { return index }
        accumulations.append(accumulation)
        return accumulations.count - 1
    }
}
