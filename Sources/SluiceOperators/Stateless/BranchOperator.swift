public import SluiceCore

/// Routes rows to output ports by conditions.
///
/// Port `i` carries the rows for which route `i`'s condition is true (null counts as
/// false). With `firstMatchOnly`, a row goes to the first route it matches only;
/// otherwise to every route it matches. With `includeDefault`, one more port (the last)
/// carries the rows that matched no route. Every port has the input schema. Conditions
/// are evaluated once per batch each; each port's rows are gathered in one pass. A
/// retraction batch goes whole to every port (see `FilterOperator`).
///
/// - Important: construct only from arguments `validate` accepted.
public final class BranchOperator: StreamOperator {
    public let outputSchemas: [Schema]
    public private(set) var counters = OperatorCounters()
    /// The name of each port: the route names, then `default` when there is one.
    public let portNames: [String]
    private let conditions: [any BatchExpression]
    private let includeDefault: Bool
    private let firstMatchOnly: Bool
    private var nowMillis: Int64 = 0

    /// Builds the branch; the arguments must have passed `validate`.
    public init(
        schema: Schema, routes: [(name: String, condition: any BatchExpression)], includeDefault: Bool,
        firstMatchOnly: Bool
    ) {
        let errors = Self.validate(
            schema: schema, routes: routes, includeDefault: includeDefault, firstMatchOnly: firstMatchOnly)
        precondition(errors.isEmpty, "BranchOperator built from an unvalidated spec: \(errors)")
        conditions = routes.map(\.condition)
        self.includeDefault = includeDefault
        self.firstMatchOnly = firstMatchOnly
        portNames = routes.map(\.name) + (includeDefault ? ["default"] : [])
        outputSchemas = [Schema](repeating: schema, count: portNames.count)
    }

    /// Load-time checks: at least one route, route names non-empty and distinct (and not
    /// `default` when there is a default port), every condition boolean. Returns one
    /// message per problem.
    public static func validate(
        schema: Schema, routes: [(name: String, condition: any BatchExpression)], includeDefault: Bool,
        firstMatchOnly: Bool
    ) -> [String] {
        var errors: [String] = []
        if routes.isEmpty { errors.append("a branch needs at least one route") }
        var seen: Set<String> = includeDefault ? ["default"] : []
        for (name, condition) in routes {
            if name.isEmpty { errors.append("a branch route needs a name") }
            if !seen.insert(name).inserted { errors.append("branch route '\(name)' is defined twice") }
            errors += PredicateSelection.validate(condition, role: "branch route '\(name)' condition")
        }
        return errors
    }

    public func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        if batch.isRetraction {
            for port in portNames.indices { out.emit(batch, port: port) }
            return
        }
        counters.rowsIn += Int64(batch.count)
        guard !batch.isEmpty else { return }
        let context = EvaluationContext(nowMillis: nowMillis)
        let tracksClaims = firstMatchOnly || includeDefault
        var claimed = [Bool](repeating: false, count: tracksClaims ? batch.count : 0)
        for (port, condition) in conditions.enumerated() {
            var rows = PredicateSelection.rows(condition.evaluate(batch, context: context))
            if firstMatchOnly { rows.removeAll { claimed[Int($0)] } }
            if tracksClaims { for row in rows { claimed[Int(row)] = true } }
            emit(PredicateSelection.select(rows, of: batch), port: port, into: &out)
        }
        if includeDefault {
            var rest: [Int32] = []
            for row in 0..<batch.count where !claimed[row] { rest.append(Int32(row)) }
            emit(PredicateSelection.select(rest, of: batch), port: conditions.count, into: &out)
        }
    }

    private func emit(_ batch: Batch, port: Int, into out: inout OperatorOutput) {
        counters.rowsOut += Int64(batch.count)
        out.emit(batch, port: port)
    }

    /// Remembers processing time for expressions that read `now()`.
    public func tick(nowMillis: Int64, into out: inout OperatorOutput) { self.nowMillis = nowMillis }
}
