import Foundation
import SluiceCore
import Testing

@testable import SluiceConnectors

/// File outputs roll by size so a long run holds bounded disk (`RollingPolicy`).
@Suite struct RollingFileTests {
    private func lines(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    private func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    @Test func aFileSinkRollsAtTheLimitAndKeepsTheNewestFiles() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let path = dir.path("out/archive.ndjson")
        let sink = NDJSONFileSink(name: "archive", path: path, append: true, rolling: RollingPolicy(maxBytes: 1_000, keep: 2))
        try sink.open(schema: FileSinkTests.schema, mode: .append)
        var written: [String] = []
        for epoch in 1...60 {
            let rows = (0..<4).map { ("row-\(epoch)-\($0)", Int64(epoch), Double($0)) }
            try sink.write(FileSinkTests.batch(rows))
            try sink.commit(epoch: Epoch(UInt64(epoch)))
            written += rows.map { #"{"k":"\#($0.0)","n":\#($0.1),"v":\#($0.2)}"# }
        }
        try sink.close()

        // The limit holds for every file; older files beyond `keep` are gone.
        for file in [path, path + ".1", path + ".2"] {
            #expect(size(file) > 0 && size(file) <= 1_000, "\(file): \(size(file)) bytes")
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".3"))
        // Oldest to newest, the kept files hold the newest rows, whole and in order.
        let kept = lines(path + ".2") + lines(path + ".1") + lines(path)
        #expect(kept.count > 20)
        #expect(kept == Array(written.suffix(kept.count)))
    }

    @Test func existingBytesCountTowardsTheLimit() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let path = try dir.write("dead.ndjson", Array(repeating: UInt8(ascii: "x"), count: 990) + [0x0A])
        let sink = DeadLetterFileSink(path: path, pipeline: "p", rolling: RollingPolicy(maxBytes: 1_000, keep: 1))
        try sink.write([Rejection(reason: "bad", raw: Array("not json".utf8))], source: "events")
        try sink.flush()
        try sink.close()
        #expect(size(path + ".1") == 991, "the earlier run's file rolled first")
        #expect(lines(path).count == 1)
    }

    @Test func keepZeroStartsOverAndUnboundedNeverRolls() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        for (name, policy) in [("zero", RollingPolicy(maxBytes: 200, keep: 0)), ("open", RollingPolicy.unbounded)] {
            let path = dir.path("\(name).ndjson")
            let sink = NDJSONFileSink(name: name, path: path, append: true, rolling: policy)
            try sink.open(schema: FileSinkTests.schema, mode: .append)
            for epoch in 1...20 {
                try sink.write(FileSinkTests.batch([("k", Int64(epoch), nil)]))
                try sink.commit(epoch: Epoch(UInt64(epoch)))
            }
            try sink.close()
            #expect(!FileManager.default.fileExists(atPath: path + ".1"))
            if policy.maxBytes == nil { #expect(lines(path).count == 20) } else { #expect(size(path) <= 200) }
        }
    }

    /// The pipelines of one run share the dead-letter file: a writer follows another's roll
    /// instead of growing the rolled file, and no record is lost or written twice.
    @Test func writersSharingAFileFollowEachOthersRolls() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let path = dir.path("dead-letter.ndjson")
        let policy = RollingPolicy(maxBytes: 2_000, keep: 50)
        let writers = (0..<2).map { DeadLetterFileSink(path: path, pipeline: "p\($0)", rolling: policy) }
        for i in 0..<80 {
            let writer = writers[i % 2]
            try writer.write([Rejection(reason: "r\(i)", raw: Array("record-\(i)".utf8))], source: "s")
            try writer.flush()
        }
        for writer in writers { try writer.close() }
        let files = [path] + (1...50).map { "\(path).\($0)" }.filter { FileManager.default.fileExists(atPath: $0) }
        for file in files { #expect(size(file) <= 2_000, "\(file): \(size(file)) bytes") }
        let records = files.flatMap(lines)
        #expect(records.count == 80)
        #expect(Set(records).count == 80)
    }

    @Test func policiesParseFromURIParameters() throws {
        #expect(try RollingPolicy.parse(maxBytes: nil, keep: nil) == .standard)
        #expect(try RollingPolicy.parse(maxBytes: "64MB", keep: "5") == RollingPolicy(maxBytes: 64 << 20, keep: 5))
        #expect(try RollingPolicy.parse(maxBytes: "1gb", keep: nil).maxBytes == 1 << 30)
        #expect(try RollingPolicy.parse(maxBytes: "1500", keep: "0") == RollingPolicy(maxBytes: 1_500, keep: 0))
        #expect(try RollingPolicy.parse(maxBytes: "0", keep: nil).maxBytes == nil)
        #expect(throws: SluiceError.self) { try RollingPolicy.parse(maxBytes: "lots", keep: nil) }
        #expect(throws: SluiceError.self) { try RollingPolicy.parse(maxBytes: "-5MB", keep: nil) }
        #expect(throws: SluiceError.self) { try RollingPolicy.parse(maxBytes: nil, keep: "-1") }
    }
}
