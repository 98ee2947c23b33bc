import SluiceCore
import SluiceExpr

/// Decodes only the fields a pipeline reads (projection pushdown into the decoder).
///
/// A DAA source declares 35 fields and a view reads five or six of them. The narrowed
/// pipeline is checked again from its document with each source cut to the fields read,
/// so every schema downstream is derived by the same rules as the whole one, and the
/// cut fields stay in the spec as `SourceSpec.checkedFields`: the decoder still rejects
/// exactly the records the whole schema would.
///
/// Nothing a user sees may change, so a source is narrowed only when every row that
/// leaves the pipeline is the same:
/// - every sink receives the same schema as without narrowing;
/// - a late output or de-duplication's dead letters whose rows would lose fields write
///   the events the rows came from, as received, instead: that needs a path of
///   row-to-row steps from the source (they keep `Batch.records`) and, for a late output,
///   a file or standard output;
/// - likewise a keyed step with a nullable key (null keys become dead letters);
/// - no union input loses a field the union still has from another input (it would be
///   filled with nulls), and no join's input changes (its checkpoint holds input rows).
/// Otherwise the pipeline is decoded whole, as before.
enum SourceNarrowing {
    /// Connectors whose batches come from `JSONBatchDecoder` (which checks cut fields).
    static let decodingSchemes: Set<String> = ["file", "amqp", "amqps", "archive"]

    /// `whole` with its decoding sources narrowed, or nil when nothing can be cut.
    static func narrow(_ whole: PipelineSpec, document: PipelineDocument, kinds: [ConnectorKind]) -> PipelineSpec? {
        guard let read = fieldsRead(by: whole) else { return nil }
        var keep: [String: Set<String>] = [:]
        for source in whole.sources where decodingSchemes.contains(source.uri.scheme) && source.narrowedFrom == nil {
            var fields = read
            if let time = source.eventTime?.field { fields.insert(time) }
            fields.formUnion(source.partitionKey ?? [])
            fields.formUnion(Catalog.requiredFields(of: source))
            // An archive source filters rows by this column (`from`/`to`).
            if source.uri.scheme == "archive" { fields.insert(source.uri.parameter("time_field") ?? source.eventTime?.field ?? "ts") }
            let kept = fields.intersection(source.schema.fieldNames)
            if kept.count < source.schema.count { keep[source.name] = kept }
        }
        guard !keep.isEmpty else { return nil }
        var checker = PipelineChecker(document, kinds: kinds)
        checker.narrowing = keep
        guard let narrowed = checker.check(), !checker.diagnostics.hasErrors, sameRowsLeave(whole, narrowed)
        else { return nil }
        return narrowed
    }

    /// Sets `keepsRecords` on the decoding sources of a pipeline whose duplicates, late
    /// events or null-key rows are events straight from its sources: they leave whole,
    /// as received, narrowed or not.
    static func keepRecordsForEventOutputs(_ spec: inout PipelineSpec) {
        let wanted = spec.nodes.contains { node in
            guard node.inputs.allSatisfy({ carriesRecords($0, in: spec) }) else { return false }
            switch node.operation {
            case .dedupe: return true
            case .aggregate(let aggregation) where aggregation.late != nil: return true
            default:
                // A row with a null key goes to the dead letters.
                return zip(node.inputs, node.partitionKeys ?? []).contains { input, keys in
                    let schema = spec.schema(of: input)
                    return keys.contains { schema?.field(named: $0)?.nullable ?? true }
                }
            }
        }
        guard wanted else { return }
        for index in spec.sources.indices where decodingSchemes.contains(spec.sources[index].uri.scheme) {
            spec.sources[index].keepsRecords = true
        }
    }

    /// Every field name an operator, key or expression of `spec` reads; nil when an
    /// expression does not say which fields it reads. `countingDedupeIds: false` leaves
    /// out de-duplication's id fields, in its operation and its keys (`IdFingerprinting`).
    static func fieldsRead(by spec: PipelineSpec, countingDedupeIds: Bool = true) -> Set<String>? {
        var read: Set<String> = []
        func add(_ expression: ExpressionSpec) -> Bool {
            guard let compiled = expression.compiled as? CompiledExpression else { return false }
            read.formUnion(compiled.referencedFields)
            return true
        }
        for node in spec.nodes {
            for keys in node.partitionKeys ?? [] {
                if !countingDedupeIds, case .dedupe(let field, _, _) = node.operation {
                    read.formUnion(keys.filter { $0 != field })
                } else {
                    read.formUnion(keys)
                }
            }
            switch node.operation {
            case .filter(let condition):
                guard add(condition) else { return nil }
            case .map(let fields):
                for field in fields {
                    read.insert(field.name)
                    guard add(field.expression) else { return nil }
                }
            case .select(let fields):
                read.formUnion(fields)
            case .dedupe(let field, _, let timeField):
                read.insert(timeField)
                if countingDedupeIds { read.insert(field) }
            case .aggregate(let aggregation):
                read.formUnion(aggregation.keys)
                read.insert(aggregation.timeField)
                for call in aggregation.aggregates {
                    if let argument = call.argument { guard add(argument) else { return nil } }
                }
            case .union:
                break
            case .branch(let routes, _):
                for route in routes { guard add(route.expression) else { return nil } }
            case .join(let join):
                read.formUnion(join.leftKeys + join.rightKeys)
                read.formUnion([join.leftTimeField, join.rightTimeField, join.timeField])
            }
        }
        return read
    }

    /// True when every row leaving `narrowed` is one leaving `whole` (see the type's rules).
    static func sameRowsLeave(_ whole: PipelineSpec, _ narrowed: PipelineSpec) -> Bool {
        for sink in narrowed.sinks {
            guard let before = whole.sinks.first(where: { $0.name == sink.name }),
                before.schema == sink.schema, whole.schema(of: before.input) == narrowed.schema(of: sink.input)
            else { return false }
        }
        for node in narrowed.nodes {
            guard let before = whole.nodes.first(where: { $0.name == node.name }) else { return false }
            let inputsSame = zip(before.inputs, node.inputs).allSatisfy { whole.schema(of: $0) == narrowed.schema(of: $1) }
            guard !inputsSame else { continue }
            let fromEvents = node.inputs.allSatisfy { carriesRecords($0, in: narrowed) }
            switch node.operation {
            case .union:
                // A union fills a field one input lacks with nulls: an input must not lose
                // a field that the union still has from another input.
                for (input, beforeInput) in zip(node.inputs, before.inputs) {
                    guard let after = narrowed.schema(of: input), let was = whole.schema(of: beforeInput) else { return false }
                    let lost = Set(was.fieldNames).subtracting(after.fieldNames)
                    if !lost.isDisjoint(with: node.outputSchemas.first?.fieldNames ?? []) { return false }
                }
            case .join:
                // A join's checkpoint holds its input rows: their schema must not depend on
                // which fields the rest of the pipeline reads (a restore would refuse them).
                return false
            case .dedupe:
                // Its duplicates go to the dead letters whole.
                guard fromEvents else { return false }
            case .aggregate(let aggregation) where aggregation.late != nil:
                guard fromEvents, let late = aggregation.late, ["file", "stdout"].contains(late.scheme) else { return false }
            default:
                break
            }
            if let keys = node.partitionKeys, !fromEvents {
                // A null key sends the row to the dead letters as the step received it.
                for (input, inputKeys) in zip(node.inputs, keys) {
                    guard let schema = narrowed.schema(of: input) else { return false }
                    if inputKeys.contains(where: { schema.field(named: $0)?.nullable ?? true }) { return false }
                }
            }
        }
        return true
    }

    /// True when each row of `stream` comes from one event of a source (only filters,
    /// de-duplication, maps, selects, branches and unions between), so its batches carry
    /// the records of those events as received.
    static func carriesRecords(_ stream: StreamSpec, in spec: PipelineSpec) -> Bool {
        switch spec.producer(named: stream.node) {
        case .source(let source)?:
            // Only decoded sources keep records (a generator's rows have no bytes).
            return decodingSchemes.contains(source.uri.scheme)
        case .node(let node)?:
            switch node.operation {
            case .filter, .dedupe, .map, .select, .branch, .union:
                return node.inputs.allSatisfy { carriesRecords($0, in: spec) }
            default: return false
            }
        case nil:
            return false
        }
    }
}
