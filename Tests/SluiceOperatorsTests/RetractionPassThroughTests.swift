import SluiceCore
import SluiceOperators
import Testing

/// Retractions name view rows by key: stateless operators must carry them to the sink
/// (a filter must not drop one), keyed ones must not mistake them for events.
@Suite struct RetractionPassThroughTests {
    private var retraction: Batch {
        var batch = FilterTestData.sample
        batch.isRetraction = true
        return batch
    }

    @Test func filtersPassRetractionsWhole() {
        // No row of the sample is above 1e9: as events, all would be dropped.
        let filter = FilterOperator(schema: FilterTestData.schema, predicate: FilterTestGreaterThan(field: "value", threshold: 1e9))
        var out = OperatorOutput()
        filter.process(retraction, input: 0, into: &out)
        #expect(out.batches.count == 1)
        #expect(out.batches[0].batch.isRetraction)
        #expect(out.batches[0].batch.rows == FilterTestData.sample.rows)
    }

    @Test func branchesSendRetractionsToEveryPort() {
        let branch = BranchOperator(
            schema: FilterTestData.schema, routes: BranchTests.routes, includeDefault: true, firstMatchOnly: true)
        var out = OperatorOutput()
        branch.process(retraction, input: 0, into: &out)
        #expect(out.batches.map(\.port) == [0, 1, 2])
        #expect(out.batches.allSatisfy { $0.batch.isRetraction && $0.batch.count == FilterTestData.sample.count })
    }

    @Test func mapsAndUnionsKeepTheFlag() {
        let map = MapOperator(
            schema: FilterTestData.schema, outputs: [("high", FilterTestGreaterThan(field: "value", threshold: 600))],
            keepInputFields: true)
        var out = OperatorOutput()
        map.process(retraction, input: 0, into: &out)
        #expect(out.batches.count == 1 && out.batches[0].batch.isRetraction)
        #expect(out.batches[0].batch.column(named: "agent")!.count == FilterTestData.sample.count)

        let union = UnionOperator(inputSchemas: [FilterTestData.schema, Schema([Field("extra", .int64)])])
        var merged = OperatorOutput()
        union.process(retraction, input: 0, into: &merged)
        #expect(merged.batches.count == 1 && merged.batches[0].batch.isRetraction)
    }

    @Test func batchOperationsKeepTheFlag() {
        let batch = retraction
        #expect(batch.gather([1, 0]).isRetraction)
        #expect(batch.slice(0..<2).isRetraction)
        #expect(batch.project(["agent"]).isRetraction)
        #expect(batch.filter([true, false, true, false, true]).isRetraction)
        #expect(Batch.concat([batch, batch], schema: batch.schema).isRetraction)
        for (owners, partitions) in [([Int32(0), 1, 2, 0, 1], 3), ([0, 1, 1, 0, 1], 2), ([1, 1, 1, 1, 1], 2)] {
            owners.withUnsafeBufferPointer { owners in
                let parts = batch.partitioned(owners: owners, count: partitions)
                #expect(parts.count == partitions && parts.allSatisfy(\.isRetraction))
            }
        }
        #expect(!FilterTestData.sample.gather([0]).isRetraction)
    }
}
