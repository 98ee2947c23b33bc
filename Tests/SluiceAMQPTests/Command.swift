import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command to completion with `posix_spawn` and `waitpid`, its output to a file.
/// (Foundation's `Process.waitUntilExit` was seen missing the exit of a script that
/// started daemons, leaving the test waiting on a zombie forever.)
enum Command {
    /// Runs `arguments` (the first is the program) with `environment`; returns the exit
    /// status and what it wrote to standard output and error.
    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-command-\(UUID().uuidString)").path
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard spawned == 0 else { throw BrokerTestError(message: "cannot start \(arguments[0]): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : -1, output)
    }
}

/// A command running in the background (a `sluice run` a test kills or waits for), its
/// output in a file.
final class BackgroundCommand: Sendable {
    let pid: pid_t
    let log: String
    /// Set once waited for: the process id may then belong to another process.
    private let reaped = Atomic<Bool>(false)

    init(_ arguments: [String], environment: [String: String], directory: String) throws {
        log = directory + "/command-\(UUID().uuidString.prefix(8)).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The working directory (`.sluice/` outputs) is the child's own: a shell cd's first.
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + arguments
        let cArgv = argv.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArgv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, cArgv, envp)
        guard spawned == 0 else { throw BrokerTestError(message: "cannot start \(arguments[0]): errno \(spawned)") }
        self.pid = pid
    }

    /// What it wrote so far.
    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Waits up to `limit` for it to exit; its status (or -signal), nil on timeout.
    func wait(limit: Duration) -> Int32? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid {
                reaped.store(true, ordering: .relaxed)
                return status & 0x7f == 0 ? (status >> 8) & 0xff : -(status & 0x7f)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }

    func kill(_ signal: Int32) {
        guard !reaped.load(ordering: .relaxed) else { return }
        _ = Glibc.kill(pid, signal)
    }
}
