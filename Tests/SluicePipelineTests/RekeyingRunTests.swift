import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// A pipeline that re-keys by a column a map rewrote: the rows must be exchanged again,
/// whatever the key column is called and whatever the partition count.
@Suite struct RekeyingRunTests {
    static let file = """
        pipeline: rekey
        source:
          uri: "file:${EVENTS}"
          format: json
          schema: { k: string, v: double, ts: timestamp }
        event_time: { field: ts, max_out_of_orderness: 0s }
        steps:
          - key_by: [k]
          - window: { tumbling: 10s }
          - aggregate: { n: count() }
          - map: { k: "'x'" }
          - key_by: [k]
          - window: { tumbling: 10s }
          - aggregate: { events: sum(n) }
        sink: { uri: "memory:out", mode: append }
        dead_letter: { uri: "memory:dead" }
        """

    /// 200 events over four keys, all in one 10 s window.
    static func writeEvents(to path: String) throws {
        let lines = (0..<200).map { i in
            #"{"k":"key-\#(i * 7 % 4)","v":\#(i),"ts":\#(1_764_000_000_000 + i)}"#
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test(arguments: [1, 2, 4])
    func reKeyingByARewrittenColumnGivesOneRowOfAllEvents(partitions: Int) throws {
        try TemporaryDirectory.with { directory in
            let events = directory.path("events.ndjson")
            try Self.writeEvents(to: events)
            let spec = try PipelineLoader(environment: ["EVENTS": events]).load(text: Self.file).get()
            let memory = MemoryConnectors()
            let planned = try PipelinePlanner(catalog: Catalog(memory: memory)).plan(spec)
            _ = try Job(planned.dataflow, options: RunOptions(workers: 2, partitions: partitions)).run()
            let rows = memory.sink(named: "out").rows
            #expect(rows.count == 1, "\(rows)")
            #expect(rows.first?["k"] == .string("x"))
            #expect(rows.first?["events"] == .int(200))
        }
    }

    @Test func explainShowsTheExchangeAfterTheRewrite() throws {
        let spec = try PipelineLoader(environment: ["EVENTS": "/dev/null"]).load(text: Self.file).get()
        let edges = PipelinePlanner.inputEdges(of: spec, partitions: 4)
        let keyed = spec.nodes.filter { if case .aggregate = $0.operation { true } else { false } }.map(\.name)
        let map = try #require(spec.nodes.first { if case .map = $0.operation { true } else { false } })
        #expect(keyed.count == 2)
        #expect(edges[keyed[0]] == [.scatter(["k"])])
        #expect(edges[map.name] == [.forward])
        #expect(edges[keyed[1]] == [.exchange(["k"])])
    }
}
