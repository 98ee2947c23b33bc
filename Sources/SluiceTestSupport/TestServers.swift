import Foundation

/// Where the integration tests find RabbitMQ and PostgreSQL: the settings that
/// `ops/test-stack.sh start` writes to its env file (`ops/test.sh` sources it).
///
/// A missing setting throws rather than skipping, so a test that needs a server fails
/// loudly in CI when the server was not started.
public enum TestServers {
    /// The error for a server whose setting is absent.
    public struct Unavailable: Error, CustomStringConvertible {
        public var variable: String
        public var description: String {
            "\(variable) is not set: start the servers with `bash ops/test-stack.sh start` and "
                + "`source \"$(bash ops/test-stack.sh env)\"`, or run `bash ops/test.sh`"
        }
    }

    /// `SLUICE_TEST_AMQP_URL`, e.g. `amqp://guest:guest@127.0.0.1:5672/`.
    public static func amqpURL() throws -> String { try setting("SLUICE_TEST_AMQP_URL") }

    /// `SLUICE_TEST_PG_URL`, e.g. `postgres://postgres@127.0.0.1:55432/postgres`.
    public static func postgresURL() throws -> String { try setting("SLUICE_TEST_PG_URL") }

    /// Any `SLUICE_TEST_*` setting (host, port and user are also written separately).
    public static func setting(_ variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw Unavailable(variable: variable)
        }
        return value
    }

    /// Whether `ops/test-stack.sh`'s output for a failed start says a port was in use: its
    /// own check ("is taken"), or RabbitMQ's or PostgreSQL's log as it prints them. Private
    /// test servers retry on other ports then, and only then.
    public static func saysPortTaken(_ output: String) -> Bool {
        ["is taken", "could_not_start_listener", "eaddrinuse", "Address already in use"].contains { output.contains($0) }
    }
}
