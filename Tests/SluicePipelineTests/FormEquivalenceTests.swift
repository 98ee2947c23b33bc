import SluiceCore
import SluiceOperators
import Testing

@testable import SluicePipeline

/// The linear form is shorthand for a chain in the graph form: both compile to the same
/// spec, so they explain identically.
@Suite struct FormEquivalenceTests {
    static let linear = """
        pipeline: same
        source: { uri: "generator:daa" }
        event_time: { field: ts, max_out_of_orderness: 5s }
        dedupe: { field: id, horizon: 1m }
        steps:
          - filter: "type = 'metric'"
          - map: { scaled: "value * 2" }
          - key_by: [agent_id, metric]
          - window: { tumbling: 10s }
          - aggregate: { n: count(), top: max(scaled) }
        sink: { uri: "memory:out", key: [agent_id, metric, window_start] }
        """

    static let graph = """
        pipeline: same
        sources:
          source: { uri: "generator:daa", event_time: { field: ts, max_out_of_orderness: 5s } }
        nodes:
          dedupe: { from: source, dedupe: { field: id, horizon: 1m } }
          filter: { from: dedupe, filter: "type = 'metric'" }
          map: { from: filter, map: { scaled: "value * 2" } }
          aggregate:
            from: map
            key_by: [agent_id, metric]
            window: { tumbling: 10s }
            aggregate: { n: count(), top: max(scaled) }
        sinks:
          sink: { from: aggregate, uri: "memory:out", key: [agent_id, metric, window_start] }
        """

    @Test func bothFormsExplainIdentically() throws {
        let loader = PipelineLoader(environment: [:])
        let a = try loader.load(text: Self.linear).get()
        let b = try loader.load(text: Self.graph).get()
        for format in ExplainFormat.allCases {
            #expect(ExplainGraph(a, partitions: 2).render(format) == ExplainGraph(b, partitions: 2).render(format))
        }
        #expect(a.nodes.map(\.name) == ["dedupe", "filter", "map", "aggregate"])
        #expect(a.nodes.last?.outputSchemas.first?.names == ["agent_id", "metric", "window_start", "window_end", "n", "top", "is_final"])
        #expect(a.sinks.first?.schema == b.sinks.first?.schema)
    }

    @Test func separateKeyByAndWindowNodesFuseIntoTheAggregate() throws {
        let split = """
            pipeline: same
            sources:
              source: { uri: "generator:daa", event_time: { field: ts } }
            nodes:
              keyed: { from: source, key_by: agent_id }
              windowed: { from: keyed, window: { sliding: 1m, every: 30s } }
              counted: { from: windowed, aggregate: { n: count() } }
            sinks:
              out: { from: counted, uri: "stdout:" }
            """
        let spec = try PipelineLoader(environment: [:]).load(text: split).get()
        #expect(spec.nodes.map(\.name) == ["counted"])
        #expect(spec.nodes[0].inputs == [StreamSpec(node: "source")])
        guard case .aggregate(let aggregation) = spec.nodes[0].operation else {
            Issue.record("expected an aggregate")
            return
        }
        #expect(aggregation.keys == ["agent_id"])
        #expect(aggregation.window == .sliding(sizeMillis: 60_000, slideMillis: 30_000))
    }
}
