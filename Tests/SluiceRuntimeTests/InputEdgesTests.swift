import SluiceCore
import SluiceOperators
import SluiceRuntime
import Testing

/// `Dataflow.inputEdges` reports the physical plan's routing, which `sluice explain` shows.
@Suite struct InputEdgesTests {
    static func source(_ flow: Dataflow, _ name: String) -> StreamRef {
        flow.source(BatchListSource(name: name, schema: SampleData.schema, splits: [[]]), eventTime: nil)
    }

    static func passThrough(_ flow: Dataflow, _ name: String, _ input: StreamRef, preserves: Bool) -> StreamRef {
        flow.add(name, inputs: [(input, .forward)], preservesPartitioning: preserves) { _ in
            UnionOperator(inputSchemas: [SampleData.schema])
        }[0]
    }

    @Test func aSourceScattersByAgentWhenAKeyedOperatorFollowsAPartitionPreservingChain() throws {
        let flow = Dataflow(name: "chain")
        let chained = Self.passThrough(flow, "clean", Self.source(flow, "events"), preserves: true)
        let totals = flow.add("totals", inputs: [(chained, .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        flow.sink("view", from: totals[0], to: ViewSink(), mode: .append)
        let edges = try flow.inputEdges(partitions: 4)
        #expect(edges["clean"] == [.scatter(["agent_id"])])
        #expect(edges["totals"] == [.forward])
    }

    @Test func aChainThatDoesNotKeepPartitioningIsExchangedBeforeTheKeyedOperator() throws {
        let flow = Dataflow(name: "reshaped")
        let reshaped = Self.passThrough(flow, "reshape", Self.source(flow, "events"), preserves: false)
        let totals = flow.add("totals", inputs: [(reshaped, .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        flow.sink("view", from: totals[0], to: ViewSink(), mode: .append)
        let edges = try flow.inputEdges(partitions: 4)
        #expect(edges["reshape"] == [.scatter(nil)])
        #expect(edges["totals"] == [.exchange(["agent_id"])])
    }

    @Test func keyedSourceEdgesScatterByTheDeclaredKeyOnlyForSingleInputOperators() throws {
        let flow = Dataflow(name: "keys")
        let events = flow.source(
            BatchListSource(name: "events", schema: SampleData.schema, splits: [[]]), eventTime: nil, partitionKey: ["agent_id"])
        _ = flow.add("by-agent-and-value", inputs: [(events, .hash(["agent_id", "value"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        let other = Self.source(flow, "other")
        let both = flow.add("two-sided", inputs: [(events, .hash(["agent_id", "value"])), (other, .hash(["agent_id", "value"]))]) { _ in
            UnionOperator(inputSchemas: [SampleData.schema, SampleData.schema])
        }
        flow.sink("view", from: both[0], to: ViewSink(), mode: .append)
        let edges = try flow.inputEdges(partitions: 2)
        #expect(edges["by-agent-and-value"] == [.scatter(["agent_id"])])
        #expect(edges["two-sided"] == [.scatter(["agent_id", "value"]), .scatter(["agent_id", "value"])])
    }

    @Test func withoutADeclaredKeyASourceScattersByTheKeysTheKeyedOperatorsShare() throws {
        let flow = Dataflow(name: "undeclared")
        let events = Self.source(flow, "events")
        let clean = Self.passThrough(flow, "clean", events, preserves: true)
        let byBoth = flow.add("by-agent-and-value", inputs: [(clean, .hash(["agent_id", "value"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        let byTime = flow.add("by-agent-and-time", inputs: [(clean, .hash(["ts", "agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        flow.sink("a", from: byBoth[0], to: ViewSink(name: "a"), mode: .append)
        flow.sink("b", from: byTime[0], to: ViewSink(name: "b"), mode: .append)
        let edges = try flow.inputEdges(partitions: 2)
        #expect(edges["clean"] == [.scatter(["agent_id"])])
        #expect(edges["by-agent-and-value"] == [.forward])
        #expect(edges["by-agent-and-time"] == [.forward])
    }

    @Test func aSourceDeclaringAColumnItLacksIsRejected() {
        let flow = Dataflow(name: "bad key")
        let events = flow.source(
            BatchListSource(name: "events", schema: SampleData.schema, splits: [[]]), eventTime: nil, partitionKey: ["tenant"])
        flow.sink("view", from: events, to: ViewSink(), mode: .append)
        #expect(flow.validate() == ["source 'events' prefers to partition by 'tenant', which it does not have"])
    }

    @Test func aUnionOfAgentPartitionedInputsNeedsNoExchangeBeforeAKeyedOperator() throws {
        let flow = Dataflow(name: "union")
        let merged = flow.add("merged", inputs: [(Self.source(flow, "a"), .forward), (Self.source(flow, "b"), .forward)], preservesPartitioning: true) { _ in
            UnionOperator(inputSchemas: [SampleData.schema, SampleData.schema])
        }
        let totals = flow.add("totals", inputs: [(merged[0], .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        flow.sink("view", from: totals[0], to: ViewSink(), mode: .append)
        let edges = try flow.inputEdges(partitions: 3)
        #expect(edges["merged"] == [.scatter(["agent_id"]), .scatter(["agent_id"])])
        #expect(edges["totals"] == [.forward])
    }
}
