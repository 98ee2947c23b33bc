import SluiceCore
import SluiceExpr
import SluiceOperators

/// Expression and aggregate-call checking, with the expression language's diagnostics
/// moved from offsets inside the expression to lines and columns of the file.
extension PipelineChecker {
    /// Compiles `text` against the schema flowing into its node; `expecting: .bool`
    /// demands a condition. Errors are reported at their exact place in the file.
    mutating func compile(_ text: SpannedText, against schema: Schema, expecting: DataType?, role: String) -> ExpressionSpec? {
        do {
            let compiled =
                expecting == .bool
                ? try Expr.compileCondition(text.string, schema: schema) : try Expr.compile(text.string, schema: schema)
            return ExpressionSpec(text: text.string, compiled: compiled)
        } catch {
            report(error, in: text)
            return nil
        }
    }

    /// Reads `name: function(arguments)` of an aggregate or fold.
    mutating func aggregateCall(_ aggregate: NamedText, against schema: Schema) -> AggregateCall? {
        let text = aggregate.text
        let parsed: (name: String, nameOffset: Int, arguments: [ExprNode], argumentTexts: [String])?
        do {
            parsed = try Expr.parseCall(text.string)
        } catch {
            report(error, in: text)
            return nil
        }
        guard let call = parsed else {
            diagnostics.error(
                at: text.location, length: text.string.count,
                "'\(text.string)' is not an aggregate call: expected e.g. count(), avg(value) or percentile(value, 0.95)")
            return nil
        }
        let nameLocation = text.location(atUTF8Offset: call.nameOffset)
        guard let function = AggregateKind(rawValue: call.name) else {
            // Synonyms first: `average` is nowhere near `avg` by spelling.
            let suggestion = AggregateFunctions.suggestion(for: call.name).map { " — did you mean '\($0.rawValue)'?" }
                ?? " (known: \(AggregateKind.allCases.map(\.rawValue).joined(separator: ", ")))"
            diagnostics.error(at: nameLocation, length: call.name.count, "unknown aggregate function '\(call.name)'\(suggestion)")
            return nil
        }
        let arity = AggregateFunctions.spec(function).arguments.count
        guard call.arguments.count == arity else {
            let shape = AggregateFunctions.spec(function).call
            diagnostics.error(
                at: nameLocation, length: call.name.count,
                "\(function.rawValue) takes \(arity) argument\(arity == 1 ? "" : "s"), got \(call.arguments.count): write \(shape)")
            return nil
        }
        guard arity > 0 else { return AggregateCall(name: aggregate.name.value, function: .count, argument: nil, fraction: nil, type: .int64) }

        let argumentNode = call.arguments[0]
        let argument: CompiledExpression
        do {
            argument = try Expr.compile(argumentNode, source: text.string, schema: schema)
        } catch {
            report(error, in: text)
            return nil
        }
        let argumentSpec = ExpressionSpec(text: call.argumentTexts[0], compiled: argument)
        func reject(_ what: String) -> AggregateCall? {
            diagnostics.error(
                at: text.location(atUTF8Offset: argumentNode.offset),
                length: text.columnSpan(fromUTF8Offset: argumentNode.offset, length: argumentNode.length),
                "\(function.rawValue) needs \(what), but '\(call.argumentTexts[0])' is \(argument.type)")
            return nil
        }
        // The operator defines which argument types each aggregate takes.
        guard let type = AggregateSpec.resultType(kind: function, argumentType: argument.type) else {
            switch function {
            case .sum, .avg, .stddev, .percentile: return reject("a number")
            default: return reject("a number, a timestamp or a string")
            }
        }
        var fraction: Double?
        if function == .percentile {
            let node = call.arguments[1]
            let compiled = try? Expr.compile(node, source: text.string, schema: schema)
            guard let value = compiled?.constantValue()?.asDouble, (0...1).contains(value) else {
                diagnostics.error(
                    at: text.location(atUTF8Offset: node.offset), length: text.columnSpan(fromUTF8Offset: node.offset, length: node.length),
                    "the percentile must be a number between 0 and 1, e.g. percentile(\(call.argumentTexts[0]), 0.95)")
                return nil
            }
            fraction = value
        }
        return AggregateCall(name: aggregate.name.value, function: function, argument: argumentSpec, fraction: fraction, type: type)
    }

    /// Parses the expressions of an operator whose input is unknown: syntax errors do not
    /// depend on the input's fields.
    mutating func checkSyntax(_ op: OperatorDecl) {
        let texts: [SpannedText] = switch op {
        case .filter(let text): [text]
        case .map(let fields): fields.map(\.text)
        case .branch(let routes, _): routes.map(\.text)
        case .keyed(_, _, let aggregates, _): aggregates?.map(\.text) ?? []
        default: []
        }
        for text in texts {
            do {
                _ = try Expr.parse(text.string)
            } catch {
                report(error, in: text)
            }
        }
    }

    /// Every diagnostic of the expression language, at its place in the file.
    private mutating func report(_ errors: ExprErrors, in text: SpannedText) {
        for diagnostic in errors.diagnostics {
            diagnostics.error(
                at: text.location(atUTF8Offset: diagnostic.offset),
                length: text.columnSpan(fromUTF8Offset: diagnostic.offset, length: diagnostic.length), diagnostic.message)
        }
    }
}
