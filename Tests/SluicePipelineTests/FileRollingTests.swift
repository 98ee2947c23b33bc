import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// `file:PATH?max_bytes=…&keep=…` in a pipeline file: checked at load with the place of a
/// bad value, handed to the file outputs, and obeyed by a run.
@Suite struct FileRollingTests {
    private let loader = PipelineLoader(environment: [:])

    @Test func rollingParametersReachTheFileOutputs() throws {
        let text = """
            pipeline: rolled
            source: { uri: "generator:daa?count=10" }
            sink: { uri: "file:out/rows.ndjson?max_bytes=64MB&keep=5" }
            dead_letter: { uri: "file:out/dead.ndjson?max_bytes=512KB&keep=0" }
            """
        let spec = try loader.load(text: text).get()
        let catalog = Catalog()
        let sink = try #require(try catalog.makeSink(spec.sinks[0], pipeline: spec.name) as? NDJSONFileSink)
        #expect(sink.rolling == RollingPolicy(maxBytes: 64 << 20, keep: 5))
        let dead = try #require(try catalog.makeRejectionSink(spec.deadLetter, pipeline: spec.name) as? DeadLetterFileSink)
        #expect(dead.rolling == RollingPolicy(maxBytes: 512 << 10, keep: 0))
    }

    @Test func withoutParametersFileOutputsKeepTheStandardPolicy() throws {
        let spec = try loader.load(text: "pipeline: plain\nsource: { uri: \"generator:daa?count=10\" }\nsink: { uri: \"file:rows.ndjson\" }\n").get()
        let sink = try #require(try Catalog().makeSink(spec.sinks[0], pipeline: spec.name) as? NDJSONFileSink)
        #expect(sink.rolling == .standard)
        let unbounded = try loader.load(text: "pipeline: p\nsource: { uri: \"generator:daa?count=10\" }\nsink: { uri: \"file:rows.ndjson?max_bytes=0\" }\n").get()
        #expect((try Catalog().makeSink(unbounded.sinks[0], pipeline: unbounded.name) as? NDJSONFileSink)?.rolling.maxBytes == nil)
    }

    /// A batch run over generated events into `max_bytes=3MB&keep=2`: the output rolled,
    /// no file is over the limit (the sink writes about 1 MB at a time), exactly `keep`
    /// rolled files remain, and no record is split or written twice.
    @Test func aBatchRunRollsItsOutputAtTheGivenSize() throws {
        try TemporaryDirectory.with { dir in
            let path = dir.path("archive.ndjson")
            let text = """
                pipeline: rolled-archive
                source: { uri: "generator:daa?seed=5&agents=50&count=60000&late=0&duplicates=0" }
                event_time: { field: ts, max_out_of_orderness: 5s }
                steps:
                  - filter: "true"
                sink: { uri: "file:\(path)?max_bytes=3MB&keep=2", mode: append }
                dead_letter: { uri: "memory:dead" }
                """
            let spec = try loader.load(text: text).get()
            let (summary, _) = try PipelineRunSupport.run(spec)
            #expect(summary.outcome == .completed)

            let files = [path, path + ".1", path + ".2"]
            #expect(!FileManager.default.fileExists(atPath: path + ".3"), "keep=2 keeps two rolled files")
            let limit = 3 << 20
            var ids = Set<String>()
            var lines = 0
            for file in files {
                let data = try #require(FileManager.default.contents(atPath: file), "\(file) missing: the output did not roll")
                #expect(data.count <= limit, "\(file) has \(data.count) bytes, over max_bytes")
                // Rolled files were closed near the limit; the current one holds whatever
                // came after the last roll (its size depends on where epochs cut the writes).
                if file != path {
                    #expect(data.count > 1 << 20, "\(file) has only \(data.count) bytes: rolled long before the limit")
                }
                #expect(data.last == UInt8(ascii: "\n"), "\(file) ends inside a record")
                for line in data.split(separator: UInt8(ascii: "\n")) {
                    let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
                    let id = try #require(object?["id"] as? String)
                    #expect(ids.insert(id).inserted, "record \(id) is in two files")
                    lines += 1
                }
            }
            // Older files were deleted, so the kept ones hold fewer events than were read.
            #expect(lines < 60_000)
            #expect(summary.eventsIn == 60_000)
        }
    }

    @Test func badRollingValuesAreReportedWhereTheyAre() {
        let text = """
            pipeline: bad-rolling
            source: { uri: "file:in.ndjson?max_bytes=1MB" }
            sink: { uri: "file:out.ndjson?max_bytes=abc&keep=-1" }
            dead_letter: { uri: "file:dead.ndjson?max_bytes=12XB" }
            """
        let load = loader.load(text: text)
        #expect(load.spec == nil)
        let errors = load.diagnostics.sorted.filter { $0.severity == .error }.map { d in
            (d.location.map { "\($0.line):\($0.column): " } ?? "") + d.message
        }
        #expect(
            errors == [
                "2:32: parameter 'max_bytes' has no effect on a source (it applies to a sink or a dead-letter output)",
                "3:41: invalid value 'abc' for parameter 'max_bytes': expected a size such as 64MB, 512KB or 1000000 (bytes; KB, MB and GB are powers of 1024; 0 means no limit)",
                "3:50: invalid value '-1' for parameter 'keep': expected an integer of at least 0",
                "4:49: invalid value '12XB' for parameter 'max_bytes': expected a size such as 64MB, 512KB or 1000000 (bytes; KB, MB and GB are powers of 1024; 0 means no limit)",
            ], "\n\(load.rendered)")
    }

    @Test func validateReportsABadSizeWithItsPlaceAndExitsTwo() throws {
        try TemporaryDirectory.with { dir in
            let file = dir.path("bad.yaml")
            try """
            pipeline: bad-size
            source: { uri: "generator:daa?count=10" }
            sink:
              uri: "file:out.ndjson?max_bytes=abc&keep=5"
            """.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try SluiceProcess(arguments: ["validate", file], directory: dir.path).run()
            #expect(result.status == 2)
            #expect(
                result.stderr.contains("\(file):4:35: error: invalid value 'abc' for parameter 'max_bytes'"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}
