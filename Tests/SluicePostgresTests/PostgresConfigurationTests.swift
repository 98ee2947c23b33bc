import SluicePostgres
import Testing

@Suite struct PostgresConfigurationTests {
    @Test func aPasswordInTheURIIsRefusedWithoutRepeatingIt() throws {
        let configuration = PostgresConfiguration(uri: "postgres://sluice:hunter2@127.0.0.1:5432/views")
        let error = try #require(throws: PostgresError.self) { try configuration.validate() }
        #expect(error.code == .invalidConfiguration)
        #expect(!error.isRetryable)
        #expect(error.description.contains("PGPASSWORD"))
        #expect(!error.description.contains("hunter2") && !String(reflecting: error).contains("hunter2"))
        // connect refuses before any network traffic.
        #expect(throws: PostgresError.self) { try PostgresConnection.connect(configuration) }
    }

    @Test func aPasswordInTheQueryIsRefusedToo() throws {
        let configuration = PostgresConfiguration(uri: "postgres://sluice@127.0.0.1/views?password=hunter2")
        let error = try #require(throws: PostgresError.self) { try configuration.validate() }
        #expect(error.code == .invalidConfiguration)
    }

    @Test func onlyPostgresURIsAreAccepted() throws {
        #expect(throws: PostgresError.self) { try PostgresConfiguration(uri: "host=127.0.0.1 dbname=views").validate() }
        #expect(throws: PostgresError.self) { try PostgresConfiguration(uri: "mysql://x@h/db").validate() }
        #expect(throws: PostgresError.self) {
            try PostgresConfiguration(uri: "postgres://x@h/db?no_such_parameter=1").validate()
        }
        try PostgresConfiguration(uri: "postgres://sluice@db.internal:5433/views?sslmode=require&connect_timeout=5")
            .validate()
        try PostgresConfiguration(uri: "postgresql://sluice@[::1]/views").validate()
    }

    @Test func anUnreadablePasswordFileIsAConfigurationError() throws {
        let configuration = PostgresConfiguration(
            uri: "postgres://sluice@127.0.0.1:1/views", passwordFile: "/nonexistent/sluice-secret")
        let error = try #require(throws: PostgresError.self) { try PostgresConnection.connect(configuration) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.description.contains("/nonexistent/sluice-secret"))
    }
}
