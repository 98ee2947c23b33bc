import Foundation
import SluicePipeline

/// The test fixtures: `Fixtures/pipelines/{valid,invalid}/*.yaml`, `Fixtures/golden/`.
enum FixtureFiles {
    static let root: String = Bundle.module.resourcePath! + "/Fixtures"

    /// The `.yaml` files of a fixture folder, sorted (their names, for test arguments).
    static func pipelines(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/pipelines/\(folder)")) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    static func path(_ folder: String, _ name: String) -> String { "\(root)/pipelines/\(folder)/\(name)" }

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOfFile: "\(root)/\(relativePath)", encoding: .utf8)
    }

    /// The environment fixtures load with: fixed, so the developer's own variables
    /// (DAA_EVENTS, ...) never change a test's outcome.
    static let environment = ["SLUICE_TEST_HOST": "mq.test", "SLUICE_TEST_PASSWORD": "s3cret"]

    static var loader: PipelineLoader { PipelineLoader(environment: environment) }
}
