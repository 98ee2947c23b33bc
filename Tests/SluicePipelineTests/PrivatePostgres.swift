import Foundation
import SluiceTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL server of one test's own (`ops/test-stack.sh postgres-start`), for tests that
/// stop and start their server: the shared test server must keep running for the others.
final class PrivatePostgres {
    /// Below the kernel's ephemeral range (32768 on), where a client socket of another test
    /// could hold it, and clear of `PrivateBroker`'s ports (11000..<23000).
    private(set) var port = PrivatePostgres.randomPort()
    let directory = "/tmp/sluice-private-pg-\(UInt32.random(in: 0 ... .max))"
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts the server; a port another program holds (seen by the script, or as the
    /// server binds it) is retried twice on other ports. Other failures are not retried.
    init() throws {
        var attempt = 0
        while true {
            do {
                try stack("postgres-start")
                return
            } catch let failed as Failed where attempt < 2 && TestServers.saysPortTaken(failed.description) {
                attempt += 1
                try? stack("postgres-down")
                try? FileManager.default.removeItem(atPath: directory)
                port = Self.randomPort()
            }
        }
    }

    private static func randomPort() -> Int { 27_000 + Int.random(in: 0..<4_000) }

    deinit {
        try? stack("postgres-down")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops the server (a fast shutdown: sessions are ended), keeping its data.
    func down() throws { try stack("postgres-down") }
    /// Starts it again on the same data.
    func up() throws { try stack("postgres-up") }

    /// Runs the stack script through `system`, not `Process`: Foundation's `Process` waits
    /// for descriptors that the server pg_ctl leaves running inherits, so it never returned.
    private func stack(_ command: String) throws {
        let log = directory + "-\(command).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let script = ReleaseBinary.packageRoot + "/ops/test-stack.sh"
        let line = "SLUICE_STACK_DIR='\(directory)' SLUICE_TEST_PG_PORT=\(port) bash '\(script)' \(command) </dev/null >'\(log)' 2>&1"
        let status = system(line)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Failed(description: "test-stack.sh \(command) failed (status \(status)): \(text)")
        }
    }
}
