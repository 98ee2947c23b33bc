import Foundation
import SluiceAMQP
import SluiceTestSupport
import Synchronization

/// A RabbitMQ (and PostgreSQL, which the script starts alongside) of one test's own,
/// started with `ops/test-stack.sh` in its own directory and ports, so the test may stop
/// and restart it without disturbing the shared stack.
final class PrivateBroker: Sendable {
    let directory: String
    let port: Int
    /// With `tls`: the `amqps://` port (certificates in `directory/tls`, see ops/test-stack.sh).
    let tlsPort: Int?

    /// Starts the stack (about 15 s on two cores); with `tls` also a TLS listener that
    /// requires a client certificate.
    init(tls: Bool = false) throws {
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        var attempt = 0
        while true {
            let instance = Self.instances.add(1, ordering: .relaxed).oldValue
            // Ports from the process id and the instance (tests of one process may run at
            // once), all below the kernel's ephemeral range (32768 on): there a client
            // socket of another test could hold one as RabbitMQ binds it (CI saw
            // `could_not_start_listener` on 36590). AMQP on even ports in 11000..<15000,
            // PostgreSQL on the odd one after, TLS 4000 above, Erlang distribution 8000 above
            // (the shared stack's are 5672, 25672 and 55432; `PrivatePostgres` takes 27000..<31000,
            // RabbitMQ's CLI tools 31000...31099).
            let port = 11_000 + ((pid * 8 + instance * 2) % 4000)
            let directory = "/tmp/sluice-private-broker-\(pid)-\(instance)"
            let tlsPort = tls ? port + 4000 : nil
            do {
                try Self.run(["start"], directory: directory, port: port, tlsPort: tlsPort)
                (self.port, self.directory, self.tlsPort) = (port, directory, tlsPort)
                return
            } catch let error as BrokerTestError where attempt < 2 && TestServers.saysPortTaken(error.message) {
                // A port another program listens on: try the next instance's ports. Other
                // failures are not retried (each could take the whole start timeout again).
                attempt += 1
                _ = try? Self.run(["stop"], directory: directory, port: port, tlsPort: tlsPort)
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }

    private static let instances = Atomic(0)

    deinit {
        _ = try? run("stop")
        try? FileManager.default.removeItem(atPath: directory)
    }

    var configuration: AMQPConfiguration { AMQPConfiguration(host: "127.0.0.1", port: port) }

    /// `amqp://guest@127.0.0.1:PORT/?query`.
    func uri(_ query: String) -> String { "amqp://guest@127.0.0.1:\(port)/?\(query)" }

    /// Stops the RabbitMQ application (every connection drops, listeners close) and
    /// starts it again after `pause`; durable queues and persistent messages survive.
    func restart(pause: Duration) throws {
        try run("rabbit", "rabbitmqctl", "stop_app")
        Thread.sleep(forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18)
        try run("rabbit", "rabbitmqctl", "start_app")
    }

    @discardableResult
    func run(_ arguments: String...) throws -> String {
        try Self.run(arguments, directory: directory, port: port, tlsPort: tlsPort)
    }

    @discardableResult
    private static func run(_ arguments: [String], directory: String, port: Int, tlsPort: Int?) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["SLUICE_STACK_DIR"] = directory
        environment["SLUICE_TEST_AMQP_PORT"] = String(port)
        environment["SLUICE_TEST_PG_PORT"] = String(port + 1)
        environment["SLUICE_TEST_AMQP_TLS_PORT"] = tlsPort.map(String.init) ?? ""
        environment["SLUICE_TEST_AMQP_DIST_PORT"] = String(port + 8000)
        // Private brokers start while the whole suite runs in parallel on 2 cores: in CI one
        // needed more than the script's default 120 s to become ready.
        environment["SLUICE_STACK_TIMEOUT"] = environment["SLUICE_STACK_TIMEOUT"] ?? "300"
        let (status, output) = try Command.run(
            ["/bin/bash", AMQPTestBroker.repositoryRoot + "/ops/test-stack.sh"] + arguments, environment: environment)
        guard status == 0 else {
            throw BrokerTestError(message: "ops/test-stack.sh \(arguments.joined(separator: " ")) failed: \(output)")
        }
        return output
    }
}
