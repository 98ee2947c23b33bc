import Foundation
import SluiceConnectors
import SluiceRuntime
import SluiceTestSupport
import Testing

/// The Swift example in README.md is `ReadmeExample.swift`, character for character, so
/// it compiles with the tests, and this suite runs it: the README cannot drift from the API.
@Suite struct ReadmeExampleTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The one ```swift block of README.md, without its fences.
    static func readmeSwiftBlock() throws -> String {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```swift\n").dropFirst().map {
            String($0[..<($0.range(of: "```")?.lowerBound ?? $0.endIndex)])
        }
        #expect(blocks.count == 1, "README.md should have exactly one swift block, found \(blocks.count)")
        return try #require(blocks.first)
    }

    @Test func theReadmeExampleIsTheCompiledFile() throws {
        let compiled = try String(
            contentsOf: Self.root.appendingPathComponent("Tests/SluicePipelineTests/ReadmeExample.swift"), encoding: .utf8)
        let readme = try Self.readmeSwiftBlock()
        #expect(
            readme == compiled,
            "README.md's swift block and Tests/SluicePipelineTests/ReadmeExample.swift differ: edit both together")
    }

    @Test func theReadmeExampleRuns() throws {
        try TemporaryDirectory.with { dir in
            let summary = try agentMetrics(in: dir.path)
            #expect(summary.outcome == .completed)
            #expect(summary.eventsIn == 100_000)
            let view = try SQLiteViews.read(path: dir.path("views.db"), view: "agent_metrics_10s", limit: nil)
            #expect(view.columns.prefix(4) == ["agent_id", "metric", "window_start", "window_end"])
            #expect(view.rows.count > 100)
        }
    }
}
