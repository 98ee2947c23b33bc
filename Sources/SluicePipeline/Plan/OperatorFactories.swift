import SluiceCore
import SluiceOperators
import SluiceRuntime

/// One operator instance per partition, built from a validated `Operation`.
enum OperatorFactories {
    static func factory(for operation: Operation, inputSchemas: [Schema]) -> OperatorFactory {
        let schema = inputSchemas[0]
        switch operation {
        case .filter(let condition):
            let predicate = condition.compiled
            return { _ in FilterOperator(schema: schema, predicate: predicate) }
        case .map(let fields):
            let outputs = fields.map { (name: $0.name, expression: $0.expression.compiled) }
            return { _ in MapOperator(schema: schema, outputs: outputs, keepInputFields: true) }
        case .select(let names):
            let outputs = names.map { (name: $0, expression: ColumnRef($0, in: schema) as any BatchExpression) }
            return { _ in MapOperator(schema: schema, outputs: outputs, keepInputFields: false) }
        case .dedupe(let field, let horizon, let timeField):
            let millis = horizon.wholeMilliseconds
            return { _ in DedupeOperator(schema: schema, idField: field, timeField: timeField, horizonMillis: millis) }
        case .aggregate(let spec):
            let aggregates = spec.aggregates.map(\.operatorSpec)
            let lateness = spec.allowedLateness.wholeMilliseconds
            let partial = spec.partialEvery?.wholeMilliseconds
            return { _ in
                KeyedAggregateOperator(
                    inputSchema: schema, keys: spec.keys, timeField: spec.timeField, window: spec.window,
                    aggregates: aggregates, allowedLatenessMillis: lateness, partialEveryMillis: partial)
            }
        case .union:
            return { _ in UnionOperator(inputSchemas: inputSchemas) }
        case .branch(let routes, let defaultRoute):
            let conditions = routes.map { (name: $0.name, condition: $0.expression.compiled) }
            let includeDefault = defaultRoute != nil
            return { _ in BranchOperator(schema: schema, routes: conditions, includeDefault: includeDefault, firstMatchOnly: true) }
        case .join(let spec):
            let right = inputSchemas[1]
            return { _ in JoinFactory.makeValidated(spec, left: schema, right: right) }
        }
    }
}
