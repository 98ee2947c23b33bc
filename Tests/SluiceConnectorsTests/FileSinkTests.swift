#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import SluiceCore
import SluiceFormats
import Testing

@testable import SluiceConnectors

/// The NDJSON file and standard-output sinks and the dead-letter file.
@Suite struct FileSinkTests {
    static let schema = Schema([Field("k", .string), Field("n", .int64), Field("v", .double)])

    static func batch(_ rows: [(String, Int64, Double?)]) -> Batch {
        var builder = BatchBuilder(schema: schema)
        for (k, n, v) in rows { builder.append(values: [.string(k), .int(n), v.map(Value.double) ?? .null]) }
        return builder.finish()
    }

    @Test func fileSinkWritesRowsCreatesDirectoriesAndAppendsOrTruncates() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let path = dir.path("out/nested/rows.ndjson")
        let sink = NDJSONFileSink(name: "rows", path: path, append: false)
        try sink.open(schema: Self.schema, mode: .append)
        try sink.write(Self.batch([("a", 1, 0.5), ("b\"", 2, nil)]))
        try sink.commit(epoch: Epoch(1))
        #expect(String(decoding: try dir.read(path), as: UTF8.self) == "{\"k\":\"a\",\"n\":1,\"v\":0.5}\n{\"k\":\"b\\\"\",\"n\":2}\n")
        try sink.write(Self.batch([("c", 3, 1e21)]))
        try sink.close()
        #expect(try dir.read(path).filter { $0 == 0x0A }.count == 3)

        let appending = NDJSONFileSink(name: "rows", path: path, append: true)
        try appending.open(schema: Self.schema, mode: .upsert(key: ["k"]))
        try appending.write(Self.batch([("d", 4, 2)]))
        try appending.close()
        // What the sink wrote reads back through the decoder.
        var decoder = JSONBatchDecoder(schema: Self.schema, required: [])
        let written = try dir.read(path)
        let (decoded, rejections) = written.withUnsafeBytes {
            decoder.decodeLines($0, firstLine: 1, source: "f", split: 0, baseOffset: 0)
        }
        #expect(rejections.isEmpty)
        #expect((0..<decoded.count).map { decoded.value(row: $0, column: "k") } == ["a", "b\"", "c", "d"].map(Value.string))
        #expect(decoded.value(row: 2, column: "v") == .double(1e21))

        let truncating = NDJSONFileSink(name: "rows", path: path, append: false)
        try truncating.open(schema: Self.schema, mode: .append)
        try truncating.commit(epoch: Epoch(1))
        #expect(try dir.read(path).isEmpty)
        try truncating.close()
    }

    @Test func writingBeforeOpenOrAfterCloseFails() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let sink = NDJSONFileSink(name: "rows", path: dir.path("x.ndjson"), append: false)
        #expect(throws: SluiceError(.sinkFailed, "sink 'rows' is not open")) { try sink.write(Self.batch([])) }
        try sink.open(schema: Self.schema, mode: .append)
        try sink.close()
        #expect(throws: SluiceError.self) { try sink.commit(epoch: Epoch(2)) }
    }

    @Test func anUnwritablePathFailsOnOpen() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let blocker = try dir.write("file", [1])
        let sink = NDJSONFileSink(name: "rows", path: blocker + "/below/rows.ndjson", append: false)
        #expect(throws: SluiceError.self) { try sink.open(schema: Self.schema, mode: .append) }
    }

    @Test func stdoutSinkWritesNDJSONOnCommit() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let sink = StdoutSink(name: "console", descriptor: fds[1])
        try sink.open(schema: Self.schema, mode: .append)
        try sink.write(Self.batch([("a", 1, 2.5)]))
        try sink.commit(epoch: Epoch(1))
        try sink.close()
        close(fds[1])
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while true {
            let n = read(fds[0], &chunk, chunk.count)
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        #expect(String(decoding: received, as: UTF8.self) == "{\"k\":\"a\",\"n\":1,\"v\":2.5}\n")
    }

    @Test func deadLettersAreAppendedAsNDJSON() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let path = dir.path("dead/letters.ndjson")
        let sink = DeadLetterFileSink(path: path, pipeline: "metrics")
        try sink.write(
            [
                Rejection(reason: "empty record", raw: [], position: SourcePosition(source: "events", split: 0, offset: 5), line: 2),
                Rejection(reason: "invalid UTF-8 at byte 0", raw: [0xFF], line: 3),
            ], source: "events")
        try sink.flush()
        try sink.close()
        let again = DeadLetterFileSink(path: path, pipeline: "metrics")
        try again.write([Rejection(reason: "empty record", raw: [])], source: "events")
        try again.flush()
        let text = String(decoding: try dir.read(path), as: UTF8.self)
        #expect(
            text == #"{"pipeline":"metrics","source":"events","line":2,"position":{"split":0,"offset":5},"reason":"empty record","raw":""}"#
                + "\n"
                + #"{"pipeline":"metrics","source":"events","line":3,"position":null,"reason":"invalid UTF-8 at byte 0","raw_base64":"/w=="}"#
                + "\n"
                + #"{"pipeline":"metrics","source":"events","line":null,"position":null,"reason":"empty record","raw":""}"#
                + "\n")
    }
}
