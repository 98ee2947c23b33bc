import Foundation
import SluiceCore
@testable import SluicePipeline
import Testing

/// Which ids the loader decodes as fingerprints only (`IdFingerprinting`): a
/// de-duplication id that nothing else reads, hashes rows by, or lets leave the pipeline
/// as a row. Every case that would need the strings keeps them.
@Suite struct IdFingerprintingTests {
    static func fingerprinted(_ text: String, narrowing: Bool = true) throws -> Set<String> {
        var loader = PipelineLoader(environment: [:])
        loader.narrowsSources = narrowing
        let spec = try loader.load(text: text).get()
        return spec.sources.reduce(into: Set<String>()) { $0.formUnion($1.fingerprintedIds) }
    }

    /// A DAA pipeline on a file: de-duplicated by id, then counted per agent.
    static func pipeline(
        source: String = "file:events.ndjson", steps: String,
        sink: String = #"{ uri: "memory:v", key: [agent_id, window_start] }"#, late: String = ""
    ) -> String {
        """
        pipeline: p
        source: { uri: "\(source)", schema: daa }
        event_time: { field: ts, max_out_of_orderness: 1s, allowed_lateness: 1m }
        dedupe: { field: id, horizon: 10m }
        steps:
        \(steps)
        sink: \(sink)
        \(late)
        dead_letter: { uri: "file:dead.ndjson" }
        """
    }

    static let counted = """
          - filter: "type = 'metric'"
          - key_by: [agent_id]
          - window: { tumbling: 1m }
          - aggregate: { n: count() }
        """

    @Test func anIdOnlyDeduplicationReadsIsFingerprinted() throws {
        #expect(try Self.fingerprinted(Self.pipeline(steps: Self.counted)) == ["id"])
        // Off with narrowing: every field decodes as its type.
        #expect(try Self.fingerprinted(Self.pipeline(steps: Self.counted), narrowing: false) == [])
    }

    /// A DAA event type is checked against the known types (on a broker), which needs its
    /// strings: de-duplicating by it keeps them.
    @Test func aDAAEventTypeKeepsItsStrings() throws {
        let byType = Self.pipeline(steps: Self.counted.replacingOccurrences(of: "  - filter: \"type = 'metric'\"\n", with: ""))
            .replacingOccurrences(of: "dedupe: { field: id", with: "dedupe: { field: type")
        #expect(byType.contains("field: type") && !byType.contains("filter"))
        #expect(try Self.fingerprinted(byType) == [])
    }

    @Test func aGeneratedSourceHasNoBytesToFingerprint() throws {
        #expect(try Self.fingerprinted(Self.pipeline(source: "generator:daa?rate=10", steps: Self.counted)) == [])
    }

    @Test func anIdReadByAnotherStepKeepsItsStrings() throws {
        let filtered = Self.counted.replacingOccurrences(of: "type = 'metric'", with: "id <> 'x'")
        #expect(try Self.fingerprinted(Self.pipeline(steps: filtered)) == [])
        let mapped = Self.counted.replacingOccurrences(of: "- filter: \"type = 'metric'\"", with: "- map: { id: \"lower(type)\" }")
        #expect(try Self.fingerprinted(Self.pipeline(steps: mapped)) == [])
        let counted = Self.counted.replacingOccurrences(of: "count()", with: "count_distinct(id)")
        #expect(try Self.fingerprinted(Self.pipeline(steps: counted)) == [])
    }

    @Test func anIdReachingASinkKeepsItsStrings() throws {
        let spec = Self.pipeline(steps: #"  - filter: "type = 'metric'""#, sink: #"{ uri: "file:out.ndjson" }"#)
        #expect(try Self.fingerprinted(spec) == [])
    }

    /// Without an agent to keep the stream partitioned by, rows are hashed by the id.
    @Test func anIdRowsAreHashedByKeepsItsStrings() throws {
        let spec = """
            pipeline: p
            source: { uri: "file:events.ndjson", schema: { id: string, region: string, ts: timestamp } }
            event_time: { field: ts, max_out_of_orderness: 1s }
            steps:
              - dedupe: { field: id, horizon: 10m }
              - key_by: [region]
              - window: { tumbling: 1m }
              - aggregate: { n: count() }
            sink: { uri: "memory:v", key: [region, window_start] }
            dead_letter: { uri: "file:dead.ndjson" }
            """
        #expect(try Self.fingerprinted(spec) == [])
    }

    /// A dataflow the runtime would refuse (here a sink named like a step, which the
    /// checker rejects first) is left unfingerprinted, for `run` to report: deciding must
    /// not trap on it.
    @Test func aDataflowTheRuntimeRefusesIsLeftAsItIs() throws {
        var spec = try PipelineLoader(environment: [:]).load(text: Self.pipeline(steps: Self.counted)).get()
        #expect(spec.sources[0].fingerprintedIds == ["id"])
        spec.sources[0].fingerprintedIds = []
        spec.sinks[0].name = spec.nodes[0].name
        IdFingerprinting.apply(&spec)
        #expect(spec.sources[0].fingerprintedIds.isEmpty)
    }

    /// Late events written to memory would be the rows themselves.
    @Test func lateRowsKeptAsRowsKeepTheStrings() throws {
        let inMemory = Self.pipeline(steps: Self.counted, late: #"late: { uri: "memory:late" }"#)
        #expect(try Self.fingerprinted(inMemory) == [])
        let toFile = Self.pipeline(steps: Self.counted, late: #"late: { uri: "file:late.ndjson" }"#)
        #expect(try Self.fingerprinted(toFile) == ["id"])
    }
}
