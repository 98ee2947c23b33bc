import Foundation
import SluiceTestSupport
import Testing

/// `sluice validate` and `sluice explain` as a user runs them.
@Suite struct CLIValidateExplainTests {
    let pipelines = ShippedPipelinesTests.directory

    private func sluice(_ arguments: String..., in directory: String = NSTemporaryDirectory()) throws -> SluiceProcess.Result {
        try SluiceProcess(arguments: arguments, directory: directory).run()
    }

    @Test func validatePrintsOkForEveryShippedPipeline() throws {
        let result = try sluice("validate", pipelines)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 8)
        #expect(result.stdout.split(separator: "\n").allSatisfy { $0.hasSuffix(": ok") })
        #expect(result.stderr.isEmpty)
    }

    @Test func validateReportsEveryErrorAndExitsTwo() throws {
        let bad = FixtureFiles.path("invalid", "unknown-keys-everywhere.yaml")
        let good = "\(pipelines)/agent-metrics.yaml"
        let result = try sluice("validate", good, bad)
        #expect(result.status == 2)
        #expect(result.stdout == "\(good): ok\n")
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors.count == 3)
        #expect(result.stderr.contains("\(bad):6:1: error: unknown key 'snk' — did you mean 'sink'?\nsnk: { view: v }\n^~~"))
    }

    @Test func validateOfAMissingPathExitsTwo() throws {
        let result = try sluice("validate", "/nonexistent/pipeline.yaml")
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/pipeline.yaml: error: no such file or directory"))
    }

    @Test(arguments: [("text", "txt"), ("mermaid", "mmd"), ("dot", "dot")])
    func explainMatchesTheSnapshot(_ format: String, _ ext: String) throws {
        let result = try sluice("explain", "\(pipelines)/workflow-runs.yaml", "--format", format, "--partitions", "4")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try FixtureFiles.text("golden/cli-workflow-runs.\(ext)")), "\(result.stdout)")
    }

    @Test func explainRejectsAnUnknownFormat() throws {
        let result = try sluice("explain", "\(pipelines)/agent-metrics.yaml", "--format", "svg")
        #expect(result.status == 64)
        #expect(result.stderr.contains("--format must be text, mermaid or dot"))
    }

    @Test func explainRedactsCredentials() throws {
        try TemporaryDirectory.with { dir in
            try """
            pipeline: redacted
            source: { uri: "kafka://daa:${MQ_PASSWORD}@mq.local:9092?topic=events&group=sluice" }
            sink: { uri: "stdout:" }
            """.write(toFile: dir.path("p.yaml"), atomically: true, encoding: .utf8)
            var process = SluiceProcess(arguments: ["explain", dir.path("p.yaml")], directory: dir.path)
            process.environment = ["MQ_PASSWORD": "hunter2"]
            let result = try process.run()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("kafka://daa:***@mq.local:9092?topic=events&group=sluice"))
            #expect(!result.stdout.contains("hunter2"))
        }
    }

    @Test func everyCommandHasHelp() throws {
        for command in ["validate", "explain", "run", "batch", "generate", "views"] {
            let result = try sluice(command, "--help")
            #expect(result.status == 0)
            #expect(result.stdout.contains("USAGE: sluice \(command)"), "\(command)")
        }
        let top = try sluice("--help")
        #expect(top.stdout.contains("sluice validate pipelines/"))
    }
}
