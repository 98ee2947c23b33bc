import SluiceCore
import SluiceRuntime

/// Decodes an event id that only de-duplication reads as its fingerprint words, never as
/// a `String` (`Column.fingerprints`): a unique id per event was a `String` made, stored
/// and hashed per row only to be hashed.
///
/// Nothing a user sees may change, so a field is fingerprinted only when:
/// - a de-duplication step uses it as its id, and no step reads it otherwise (filter,
///   map, key, aggregate, join, select, branch; a map writing a field of that name);
/// - no rows are hashed by it to their partition: de-duplication is keyed by agent and
///   id, and the stream stays partitioned by agent alone (a key of the id alone would
///   hash each row's string);
/// - no sink receives a stream that has it, and no join or union takes one (a union
///   would mix fingerprints with strings; a join's checkpoint holds its input rows);
/// - every step on a stream that has it whose rows can leave as events — the
///   de-duplication's duplicates, a window's late events, a row with a null key — takes
///   them straight from decoding sources that keep records (`Batch.records`), so they
///   leave as received, and a late output is a file or standard output (a memory sink
///   would hold the rows themselves). The duplicates' dead letters name the id by
///   reading it from the record (`DuplicateDeadLetterSink`).
enum IdFingerprinting {
    /// Sets `fingerprintedIds` on the decoding sources that keep records.
    static func apply(_ spec: inout PipelineSpec) {
        guard let readElsewhere = SourceNarrowing.fieldsRead(by: spec, countingDedupeIds: false) else { return }
        var ids: Set<String> = []
        for node in spec.nodes {
            if case .dedupe(let field, _, _) = node.operation { ids.insert(field) }
        }
        var fingerprinted = ids.subtracting(readElsewhere).filter { onlyDedupeSees($0, in: spec) }
        guard !fingerprinted.isEmpty else { return }
        // The edges of a job of several partitions: which keys rows are hashed by. A
        // dataflow the runtime refuses is left as it is, for `run` to report.
        guard let planned = try? PipelinePlanner.plannedInputEdges(of: spec, partitions: 2) else { return }
        for edges in planned.values {
            for edge in edges {
                switch edge {
                case .scatter(let keys?), .exchange(let keys): fingerprinted.subtract(keys)
                case .scatter(nil), .forward: break
                }
            }
        }
        guard !fingerprinted.isEmpty else { return }
        for index in spec.sources.indices {
            let source = spec.sources[index]
            guard SourceNarrowing.decodingSchemes.contains(source.uri.scheme), source.keepsRecords else { continue }
            // A DAA event type is checked against the known types, which needs its strings.
            spec.sources[index].fingerprintedIds = fingerprinted.filter { field in
                source.schema.field(named: field)?.type == .string && !(field == "type" && source.schemaName == "daa")
            }
        }
    }

    /// True when no row with the field `field` leaves the pipeline or reaches a step that
    /// needs its strings (see the type's rules).
    static func onlyDedupeSees(_ field: String, in spec: PipelineSpec) -> Bool {
        func has(_ stream: StreamSpec) -> Bool { spec.schema(of: stream)?.field(named: field) != nil }
        for sink in spec.sinks where has(sink.input) { return false }
        for node in spec.nodes where node.inputs.contains(where: has) {
            let fromEvents = node.inputs.allSatisfy { SourceNarrowing.carriesRecords($0, in: spec) }
            switch node.operation {
            case .filter, .map, .select, .branch:
                break
            case .dedupe:
                guard fromEvents else { return false }
            case .aggregate(let aggregation):
                if let late = aggregation.late, !fromEvents || !["file", "stdout"].contains(late.scheme) { return false }
            case .union, .join:
                return false
            }
            // A row with a null key goes to the dead letters as the step received it
            // unless it carries its record.
            if let keys = node.partitionKeys, !fromEvents {
                for (input, inputKeys) in zip(node.inputs, keys) where has(input) {
                    guard let schema = spec.schema(of: input) else { return false }
                    if inputKeys.contains(where: { schema.field(named: $0)?.nullable ?? true }) { return false }
                }
            }
        }
        return true
    }
}
