import Foundation
import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct GeneratorW1Tests {
    @Test func firstEventsMatchWorkloadsDocument() throws {
        let source = try W1WorkloadSource(agents: 10_000, events: 3, agentIdsAsStrings: false)
        let batches = try GeneratorRead.batches(source)
        #expect(GeneratorRead.ints(batches, "agent_id") == [0, 6180, 2360])
        #expect(GeneratorRead.strings(batches, "metric") == ["latency_ms", "queue_depth", "latency_ms"])
        #expect(GeneratorRead.doubles(batches, "value") == [0.00, 760.53, 521.07])
        #expect(GeneratorRead.ints(batches, "ts") == [1_764_000_000_000, 1_763_999_999_689, 1_763_999_999_378])
        #expect(batches.last?.position == SourcePosition(source: "w1", split: 0, offset: 3))
    }

    @Test func stringAgentIdsUseTheAgentFormatAndAPerBatchDictionary() throws {
        let source = try W1WorkloadSource(agents: 10_000, events: 5_000, batchRows: 1000, agentIdsAsStrings: true)
        #expect(source.schema.field(named: "agent_id")?.type == .string)
        let batches = try GeneratorRead.batches(source)
        #expect(Array(GeneratorRead.strings(batches, "agent_id").prefix(3)) == ["agent-000000", "agent-006180", "agent-002360"])
        for batch in batches {
            let column = batch.column(named: "agent_id")!
            #expect(Set(column.dictionary).count == column.dictionary.count)
            #expect(column.dictionary.count == Set(column.codes).count, "the dictionary holds only agents present")
        }
        let numeric = try GeneratorRead.batches(
            W1WorkloadSource(agents: 10_000, events: 5_000, batchRows: 1000, agentIdsAsStrings: false))
        let expected = GeneratorRead.ints(numeric, "agent_id").map { EventFactory.agentId(Int($0)) }
        #expect(GeneratorRead.strings(batches, "agent_id") == expected)
    }

    @Test func everyEventFollowsTheFormulasAndStaysInRange() throws {
        let agents = 100_000
        let source = try W1WorkloadSource(agents: agents, events: 50_000, agentIdsAsStrings: false)
        let batches = try GeneratorRead.batches(source, maxRows: 777)
        let ids = GeneratorRead.ints(batches, "agent_id")
        let values = GeneratorRead.doubles(batches, "value")
        let ts = GeneratorRead.ints(batches, "ts")
        #expect(ids.count == 50_000)
        var maxSeen = Int64.min
        for e in 0..<ids.count {
            #expect((0..<Int64(agents)).contains(ids[e]))
            #expect((0.0...999.99).contains(values[e]!))
            // Disorder stays below 2 s: a watermark of max - 2 s never makes an event late.
            maxSeen = max(maxSeen, ts[e])
            #expect(ts[e] > maxSeen - 2000)
            // Independent of the library: the formulas of workloads.md written out again.
            let e64 = UInt64(e)
            let h1 = (e64 * 2_654_435_761) % (1 << 32)
            #expect(ids[e] == Int64((h1 * UInt64(agents)) >> 32))
        }
        let h4: UInt64 = (49_999 * 668_265_263) % (1 << 32)
        #expect(ts.last! == W1Workload.t0 + 49_999 / 100 - Int64((h4 * 2000) >> 32))
    }

    @Test(arguments: [1, 2, 3, 7])
    func splitsPartitionTheStreamInOrder(splits: Int) throws {
        let events = 10_001
        let whole = try GeneratorRead.batches(W1WorkloadSource(agents: 1000, events: events, agentIdsAsStrings: false))
        let wholeTable = GeneratorRead.table(whole)
        let source = try W1WorkloadSource(agents: 1000, events: events, splits: splits, batchRows: 333, agentIdsAsStrings: false)
        var total = 0
        for split in 0..<splits {
            let batches = try GeneratorRead.batches(source, split: split)
            let table = GeneratorRead.table(batches)
            let expectedRows = Array(stride(from: split, to: events, by: splits))
            #expect(table["agent_id"]?.count == expectedRows.count)
            #expect(Int64(expectedRows.count) == source.events(inSplit: split))
            for name in ["agent_id", "metric", "value", "ts"] {
                #expect(table[name]! == expectedRows.map { wholeTable[name]![$0] }, "split \(split) column \(name)")
            }
            #expect(batches.last?.position?.offset == Int64(expectedRows.count))
            total += expectedRows.count
        }
        #expect(total == events)
    }

    @Test func resumingAfterAPositionContinuesWithTheNextEvent() throws {
        let source = try W1WorkloadSource(agents: 500, events: 9_000, splits: 2, batchRows: 1000, agentIdsAsStrings: true)
        let full = try GeneratorRead.batches(source, split: 1)
        let position = try #require(full[2].position)
        #expect(position.offset == 3000)
        let rest = try GeneratorRead.batches(source, split: 1, after: position)
        let fullTable = GeneratorRead.table(full)
        let restTable = GeneratorRead.table(rest)
        for name in ["agent_id", "metric", "value", "ts"] {
            #expect(restTable[name]! == Array(fullTable[name]!.dropFirst(3000)))
        }
        #expect(throws: SluiceError.self) {
            try source.openSplit(0, resumingAfter: position)
        }
    }

    /// The W1-file size, computed from the formulas alone: every line is the same fixed
    /// text plus the metric name and the value's integer digits.
    private static func expectedFileSize(agents: UInt64, events: UInt64) -> Int {
        let metricLengths = W1Workload.metrics.map(\.utf8.count)
        let fixed = #"{"agent_id":"agent-"#.utf8.count + 6 + #"","metric":""#.utf8.count
            + #"","value":"#.utf8.count + 3 + #","ts":"#.utf8.count + 13 + #"}"#.utf8.count + 1
        precondition(agents <= 1_000_000, "agent ids wider than six digits change the line length")
        var size = 0
        for e in 0..<events {
            let h2 = (e &* 2_246_822_519) & 0xFFFF_FFFF
            let h3 = (e &* 3_266_489_917) & 0xFFFF_FFFF
            let whole = ((h3 &* 100_000) >> 32) / 100
            size += fixed + metricLengths[Int((h2 &* 8) >> 32)] + (whole >= 100 ? 3 : whole >= 10 ? 2 : 1)
        }
        return size
    }

    @Test func w1FileOfTenMillionEventsHasTheDocumentedSize() {
        #expect(Self.expectedFileSize(agents: 10_000, events: 10_000_000) == 818_899_995)
    }

    @Test func writtenFileMatchesTheFormulaAndTheSource() throws {
        try TemporaryDirectory.with { dir in
            let events = 120_000
            let path = dir.path("w1.ndjson")
            try W1WorkloadSource.writeNDJSON(agents: 10_000, events: events, to: path)
            let bytes = try readFile(path)
            #expect(bytes.count == Self.expectedFileSize(agents: 10_000, events: UInt64(events)))

            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            #expect(lines.count == events + 1 && lines.last!.isEmpty)
            #expect(String(decoding: lines[1], as: UTF8.self)
                == #"{"agent_id":"agent-006180","metric":"queue_depth","value":760.53,"ts":1763999999689}"#)
            #expect(String(decoding: lines[0], as: UTF8.self)
                == #"{"agent_id":"agent-000000","metric":"latency_ms","value":0.00,"ts":1764000000000}"#)

            // Spot-check lines against the source's rows.
            let batches = try GeneratorRead.batches(
                W1WorkloadSource(agents: 10_000, events: events, agentIdsAsStrings: true))
            let agents = GeneratorRead.strings(batches, "agent_id")
            let metrics = GeneratorRead.strings(batches, "metric")
            let values = GeneratorRead.doubles(batches, "value")
            let ts = GeneratorRead.ints(batches, "ts")
            var random = SplitMix64(seed: 7)
            for _ in 0..<200 {
                let e = Int(random.next() % UInt64(events))
                let value = values[e]!
                let cents = Int((value * 100).rounded())
                let valueText = "\(cents / 100)." + (cents % 100 < 10 ? "0" : "") + "\(cents % 100)"
                let expected = #"{"agent_id":""# + agents[e]! + #"","metric":""# + metrics[e]! + #"","value":"#
                    + valueText + #","ts":"# + String(ts[e]) + "}"
                #expect(String(decoding: lines[e], as: UTF8.self) == expected)
            }
        }
    }

    @Test func invalidArgumentsAreRejected() {
        #expect(throws: SluiceError.self) { try W1WorkloadSource(agents: 0, events: 1, agentIdsAsStrings: false) }
        #expect(throws: SluiceError.self) { try W1WorkloadSource(agents: 1, events: 1, splits: 0, agentIdsAsStrings: false) }
        #expect(throws: SluiceError.self) {
            try W1WorkloadSource.writeNDJSON(agents: 10, events: 1, to: "/nonexistent-dir/w1.ndjson")
        }
    }
}

/// The whole file as bytes.
func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw SluiceError(.io, "cannot read \(path)") }
    return [UInt8](data)
}
