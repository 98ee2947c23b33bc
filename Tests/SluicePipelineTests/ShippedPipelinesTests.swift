import Foundation
import Testing

@testable import SluicePipeline

/// The DAA pipelines in `pipelines/` are what users deploy: each must load with no
/// error and no warning, with no environment set (the embedded defaults).
@Suite struct ShippedPipelinesTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("pipelines").path

    static let expectedNames = [
        "agent-metrics", "agent-state", "event-archive", "knowledge-usage", "learning-progress",
        "pattern-effectiveness", "performance-alerts", "workflow-runs",
    ]

    static var files: [String] { (try? PipelineLoader.pipelineFiles(at: directory)) ?? [] }

    @Test func allEightPipelinesAreThere() {
        let names = Self.files.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        #expect(names == Self.expectedNames)
    }

    @Test(arguments: files)
    func loadsCleanlyOnEmbeddedDefaults(_ path: String) throws {
        let load = PipelineLoader(environment: [:]).load(contentsOf: path)
        #expect(load.diagnostics.isEmpty, "\(load.rendered)")
        let spec = try #require(load.spec)
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        #expect(spec.name == stem, "the pipeline's name should match its file name")
        // Paced like a live platform (2,000 events/s per pipeline), so a long run on the
        // embedded defaults keeps what de-duplication remembers bounded.
        for source in spec.sources { #expect(source.uri.redacted == "generator:daa?rate=2000") }
        #expect(spec.deadLetter.redacted == "file:.sluice/dead-letter.ndjson")
        for sink in spec.sinks where sink.view != nil { #expect(sink.uri.redacted == "sqlite:.sluice/views.db") }
    }

    @Test(arguments: files)
    func startsWithAHeaderSayingWhatItFeeds(_ path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let header = text.split(separator: "\n").prefix { $0.hasPrefix("#") }.joined(separator: "\n")
        #expect(header.contains("Feeds:"), "\(path) needs a header comment with a 'Feeds:' line")
    }

    @Test func environmentRedirectsSourcesAndViews() throws {
        let environment = ["DAA_EVENTS": "file:/data/events.ndjson", "DAA_VIEWS": "sqlite:/srv/views.db"]
        let spec = try PipelineLoader(environment: environment).load(contentsOf: "\(Self.directory)/agent-metrics.yaml").get()
        #expect(spec.sources[0].uri.redacted == "file:/data/events.ndjson")
        #expect(spec.sinks[0].uri.redacted == "sqlite:/srv/views.db")
    }
}
