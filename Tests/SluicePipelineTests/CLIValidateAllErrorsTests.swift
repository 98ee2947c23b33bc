import Foundation
import Testing

/// `sluice validate` as a user runs it on a file with several independent mistakes: one
/// run shows all of them, each once, and exits 2.
@Suite struct CLIValidateAllErrorsTests {
    @Test func validatePrintsEveryIndependentError() throws {
        let path = FixtureFiles.path("invalid", "three-independent-errors.yaml")
        let result = try SluiceProcess(arguments: ["validate", path], directory: NSTemporaryDirectory()).run()
        #expect(result.status == 2)
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors.count == 3, "\(result.stderr)")
        #expect(errors.contains { $0.hasSuffix(":8:13: error: unknown field 'valu' — did you mean 'value'?") })
        #expect(errors.contains { $0.hasSuffix(":10:15: error: unknown key 'tumblng' — did you mean 'tumbling'?") })
        #expect(errors.contains { $0.hasSuffix(":11:24: error: unknown aggregate function 'average' — did you mean 'avg'?") })
        #expect(!result.stderr.contains("'every'"), "an error about a key the file does not have")
    }
}
