import Foundation
import Testing

@testable import SluiceConnectors

@Suite struct SQLiteWriteAheadLogTests {
    private func walSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
    }

    /// Two writers taking turns without pause (as the pipelines of one run do) never let a
    /// passive checkpoint restart the log; a committer truncates it once it is too large.
    @Test func aLargeWriteAheadLogIsTruncatedAfterACommit() throws {
        try withViewStore { path in
            let first = try testConnection(path)
            let second = try SQLiteConnection.open(path: path, access: .readWriteCreate)
            try first.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
            let filler = String(repeating: "x", count: 1_000)
            for round in 0..<20 {
                let writer = round % 2 == 0 ? first : second
                try writer.inTransaction {
                    for k in 0..<100 { try writer.execute("INSERT OR REPLACE INTO t VALUES (\(round * 100 + k), '\(filler)')") }
                }
            }
            #expect(walSize(path) > 1 << 20)
            try second.truncateWriteAheadLogIfLarge(limit: 1 << 20)
            #expect(walSize(path) == 0)
            // Below the limit nothing happens.
            try first.inTransaction { try first.execute("INSERT OR REPLACE INTO t VALUES (1, 'y')") }
            let small = walSize(path)
            try first.truncateWriteAheadLogIfLarge(limit: 1 << 20)
            #expect(walSize(path) == small)
            #expect(try queryTexts("SELECT count(*) FROM t", path: path) == ["2000"])
        }
    }
}
