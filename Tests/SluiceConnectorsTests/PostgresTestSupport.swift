import SluiceConnectors
import SluiceCore
import SluicePostgres
import SluiceTestSupport

/// A database schema of one test's own on the test server (`ops/test-stack.sh`), dropped
/// with everything in it when the test ends; a missing server fails the test.
final class PostgresTestNamespace {
    let name = "sluice_ct_\(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF_FFFF)"
    let configuration: PostgresConfiguration
    /// A connection of the test's own, for setting up and reading back.
    let admin: PostgresConnection

    init(applicationName: String = "sluice-test") throws {
        configuration = PostgresConfiguration(uri: try TestServers.postgresURL(), applicationName: applicationName)
        admin = try PostgresConnection.connect(configuration)
        try admin.execute("CREATE SCHEMA \(name)")
    }

    deinit { _ = try? admin.execute("DROP SCHEMA \(name) CASCADE") }

    static func with<R>(_ body: (PostgresTestNamespace) throws -> R) throws -> R {
        let namespace = try PostgresTestNamespace()
        return try withExtendedLifetime(namespace) { try body(namespace) }
    }

    func group(owner: String = "test-owner", maxSaveAttempts: Int = 5) -> PostgresCommitGroup {
        PostgresCommitGroup(configuration: configuration, namespace: name, owner: owner, maxSaveAttempts: maxSaveAttempts)
    }

    /// A view's rows as text, sorted, timestamps as epoch milliseconds.
    func rows(_ view: String, columns: [String], timestamps: Set<String> = []) throws -> [[String?]] {
        let list = columns.map { timestamps.contains($0) ? "(extract(epoch FROM \($0)) * 1000)::bigint" : $0 }
        return try admin.execute("SELECT \(list.joined(separator: ", ")) FROM \(name).\(view) ORDER BY 1, 2").rows
    }

    func count(_ table: String) throws -> Int {
        Int(try admin.execute("SELECT count(*) FROM \(name).\(table)").rows[0][0]!)!
    }
}

/// Small batches for sink tests.
enum PGTestRows {
    static let schema = Schema([
        Field("agent", .string), Field("n", .int64), Field("mean", .double), Field("ok", .bool), Field("at", .timestamp),
    ])

    static func batch(_ rows: [(String?, Int64?, Double?, Bool?, Int64?)], retraction: Bool = false) -> Batch {
        var builder = BatchBuilder(schema: schema)
        for row in rows {
            builder.append(values: [
                row.0.map(Value.string) ?? .null, row.1.map(Value.int) ?? .null, row.2.map(Value.double) ?? .null,
                row.3.map(Value.bool) ?? .null, row.4.map(Value.timestamp) ?? .null,
            ])
        }
        var batch = builder.finish()
        batch.isRetraction = retraction
        return batch
    }

    static func checkpoint(_ epoch: UInt64) -> Checkpoint {
        Checkpoint(
            epoch: Epoch(epoch), partitions: 2, positions: [SourcePosition(source: "events", split: 0, offset: Int64(epoch))],
            watermarks: [SplitWatermark(source: "events", split: 0, maxEventTime: 1000 * Int64(epoch))],
            states: ["window": [[1, 2, UInt8(epoch)], []]])
    }
}
