import Foundation
import Testing

@testable import SluicePipeline

/// Every valid fixture loads, and its explain output in each format matches the snapshot
/// in `Fixtures/golden/<name>.<txt|mmd|dot>`.
///
/// To accept new output after an intended change, run the tests with
/// `SLUICE_UPDATE_GOLDEN=1`: the snapshots in the source tree are rewritten (and the test
/// still fails once, so an update is never silent).
@Suite struct ExplainSnapshotTests {
    static let extensions: [ExplainFormat: String] = [.text: "txt", .mermaid: "mmd", .dot: "dot"]

    @Test(arguments: FixtureFiles.pipelines("valid"))
    func explainMatchesSnapshots(_ name: String) throws {
        let load = FixtureFiles.loader.load(contentsOf: FixtureFiles.path("valid", name))
        let spec = try #require(load.spec, "\(load.rendered)")
        #expect(load.diagnostics.isEmpty, "\(load.rendered)")
        let graph = ExplainGraph(spec, partitions: spec.partitions ?? 4)
        let stem = String(name.dropLast(".yaml".count))
        for format in ExplainFormat.allCases {
            let file = "golden/\(stem).\(Self.extensions[format]!)"
            let actual = graph.render(format)
            if ProcessInfo.processInfo.environment["SLUICE_UPDATE_GOLDEN"] == "1" {
                let sourceFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
                try actual.write(to: sourceFixtures.appendingPathComponent(file), atomically: true, encoding: .utf8)
                Issue.record("rewrote \(file)")
                continue
            }
            let expected = try FixtureFiles.text(file)
            #expect(actual == expected, "\(file) differs:\n\(actual)")
        }
    }

    @Test func everyValidFixtureHasSnapshots() throws {
        for name in FixtureFiles.pipelines("valid") {
            let stem = String(name.dropLast(".yaml".count))
            for ext in Self.extensions.values {
                #expect(FileManager.default.fileExists(atPath: "\(FixtureFiles.root)/golden/\(stem).\(ext)"), "missing golden/\(stem).\(ext)")
            }
        }
    }
}
