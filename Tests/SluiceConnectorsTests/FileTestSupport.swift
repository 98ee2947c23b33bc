import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct FileTestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-file-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// What reading a split gave: rows as text, rejections, and the chunk positions.
struct Drained {
    var rows: [String] = []
    var rejections: [Rejection] = []
    var positions: [Int64] = []
    var progress: [Double] = []
}

func drain(_ reader: any SourceReader, maxRows: Int = 1000, chunks limit: Int = .max) throws -> Drained {
    var out = Drained()
    var chunks = 0
    while chunks < limit, case .data(let batch, let rejections) = try reader.next(maxRows: maxRows) {
        precondition(batch.count <= maxRows, "a chunk holds at most maxRows rows")
        out.rows += (0..<batch.count).map { row in
            batch.schema.names.indices.map { "\(batch.value(row: row, column: $0))" }.joined(separator: "|")
        }
        out.rejections += rejections
        if let position = batch.position { out.positions.append(position.offset) }
        out.progress.append(reader.progress ?? -1)
        chunks += 1
    }
    return out
}

/// Reads every split of `source` and merges what they gave.
func drainAll(_ source: NDJSONFileSource, maxRows: Int = 1000) throws -> Drained {
    var all = Drained()
    for split in 0..<source.splitCount {
        let reader = try source.openSplit(split, resumingAfter: nil)
        defer { reader.close() }
        let part = try drain(reader, maxRows: maxRows)
        all.rows += part.rows
        all.rejections += part.rejections
        all.positions += part.positions
    }
    return all
}

/// A W1-style metric line (`workloads.md`).
func metricLine(_ e: UInt64) -> String {
    let m: UInt64 = 1 << 32
    let agent = ((e &* 2_654_435_761) % m * 10_000) / m
    let metric = DAA.metricNames[Int(((e &* 2_246_822_519) % m * 8) / m)]
    let cents = ((e &* 3_266_489_917) % m * 100_000) / m
    let ts = 1_764_000_000_000 + Int64(e / 100) - Int64(((e &* 668_265_263) % m * 2000) / m)
    let agentText = String(agent)
    let padded = String(repeating: "0", count: 6 - agentText.count) + agentText
    let centsText = cents % 100 < 10 ? "0\(cents % 100)" : "\(cents % 100)"
    return #"{"agent_id":"agent-\#(padded)","metric":"\#(metric)","value":\#(cents / 100).\#(centsText),"ts":\#(ts)}"#
}
