import Foundation
import SluiceCore
import Testing

@testable import SluiceOperators

/// A keyed aggregate restores a snapshot an older build wrote, and goes on as if it had
/// never stopped. The fixture is `KeyedAggregateUpgradeScenario`'s part one as `fdb111f`
/// (the last build with float sums, snapshot version 3) snapshotted it.
@Suite struct KeyedAggregateUpgradeTests {
    @Test("a version 3 snapshot (float sums) restores and continues like an uninterrupted run")
    func versionThreeSnapshotRestores() throws {
        let bytes = try #require(Data(base64Encoded: KeyedAggregateVersionThreeFixture.base64))
        var peek = SnapshotReader([UInt8](bytes))
        #expect(try peek.expectSection(KeyedAggregateOperator.snapshotTag, maxVersion: 4) == 3)

        let (one, two) = KeyedAggregateUpgradeScenario.events()
        let restored = KeyedAggregateUpgradeScenario.makeOperator()
        var reader = SnapshotReader([UInt8](bytes))
        try restored.restore(from: &reader)
        let afterRestore = KeyedAggregateUpgradeScenario.feed(
            two, to: restored, thenWatermark: KeyedAggregateUpgradeScenario.finalWatermark)

        let uninterrupted = KeyedAggregateUpgradeScenario.makeOperator()
        _ = KeyedAggregateUpgradeScenario.feed(one, to: uninterrupted, thenWatermark: KeyedAggregateUpgradeScenario.partOneWatermark)
        let expected = KeyedAggregateUpgradeScenario.feed(
            two, to: uninterrupted, thenWatermark: KeyedAggregateUpgradeScenario.finalWatermark)

        // The same rows; sums and means restored from float partial sums may differ from
        // exact ones in their last bits, nothing else may.
        #expect(afterRestore.count == expected.count && !expected.isEmpty)
        for (got, want) in zip(afterRestore.sorted(), expected.sorted()) {
            let gotFields = Self.fields(got)
            let wantFields = Self.fields(want)
            #expect(gotFields.keys == wantFields.keys, "\(got) vs \(want)")
            for (name, value) in wantFields {
                let other = gotFields[name] ?? ""
                if let a = Double(value), let b = Double(other), name == "total" || name == "mean" {
                    #expect(abs(a - b) <= 1e-9 * max(1, abs(a)), "\(name): \(got) vs \(want)")
                } else {
                    #expect(other == value, "\(name): \(got) vs \(want)")
                }
            }
        }
        // The snapshot is not empty of what it should carry: windows open at part one's end
        // that received rows in part one are among the rows emitted after the restore.
        let partOneOnly = KeyedAggregateUpgradeScenario.makeOperator()
        let fromPartTwoAlone = KeyedAggregateUpgradeScenario.feed(
            two, to: partOneOnly, thenWatermark: KeyedAggregateUpgradeScenario.finalWatermark)
        #expect(fromPartTwoAlone.sorted() != afterRestore.sorted())
    }

    /// "port name=value name=value …" as a dictionary of the named values.
    private static func fields(_ row: String) -> [String: String] {
        var out: [String: String] = [:]
        for token in row.split(separator: " ").dropFirst() {
            let parts = token.split(separator: "=", maxSplits: 1)
            out[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return out
    }
}
