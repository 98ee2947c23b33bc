import SluicePostgres
import SluiceTestSupport

/// The test server (`ops/test-stack.sh`), and a schema of a test's own.
enum PostgresTestDatabase {
    /// The test server's configuration; throws (the test fails) when the stack is not running.
    static func configuration(statementTimeout: Duration = .seconds(10)) throws -> PostgresConfiguration {
        PostgresConfiguration(uri: try TestServers.postgresURL(), statementTimeout: statementTimeout)
    }

    static func connect(statementTimeout: Duration = .seconds(10)) throws -> PostgresConnection {
        try PostgresConnection.connect(configuration(statementTimeout: statementTimeout))
    }

    /// Runs `body` with a connection whose `search_path` is a fresh schema, dropped
    /// (with everything in it) afterwards, whether `body` throws or not.
    static func withSchema<R>(_ body: (PostgresConnection, String) throws -> R) throws -> R {
        let schema = "sluice_test_\(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF_FFFF)"
        let admin = try connect()
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { _ = try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        let connection = try connect()
        try connection.execute("SET search_path TO \(schema)")
        return try body(connection, schema)
    }
}
