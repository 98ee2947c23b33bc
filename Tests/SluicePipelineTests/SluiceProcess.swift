import Foundation
import Testing

/// Runs the built `sluice` binary as users do: a subprocess with its own environment and
/// working directory, capturing both output streams and the exit status.
struct SluiceProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// How the process ended: normal exit, or killed by a signal.
        var reason: Process.TerminationReason
    }

    /// The debug binary next to the test bundle (`swift build` builds it with the tests).
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sluice").path
    }

    /// A binary that is not there.
    struct MissingBinary: Error, CustomStringConvertible {
        var path: String
        var description: String { "no sluice binary at \(path): build it first (swift build --build-tests)" }
    }

    var arguments: [String]
    var environment: [String: String] = [:]
    var directory: String
    /// Which binary to run: the debug one by default, `ReleaseBinary.path()` for the
    /// tests that must see what the optimizer makes of it.
    var binary: String = SluiceProcess.binary

    init(arguments: [String], directory: String, binary: String = SluiceProcess.binary) {
        self.arguments = arguments
        self.directory = directory
        self.binary = binary
    }

    /// Starts the process; `run()` waits for it.
    /// - Throws: `MissingBinary` when the binary is not built (a failure, never a skip).
    func start() throws -> (Process, Pipe, Pipe) {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw MissingBinary(path: binary) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        // A fixed environment: the developer's own DAA_* variables never leak in.
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"].merging(environment) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    /// Runs to completion.
    func run() throws -> Result {
        let (process, out, err) = try start()
        return Self.finish(process, out, err)
    }

    static func finish(_ process: Process, _ out: Pipe, _ err: Pipe) -> Result {
        // Read both pipes to the end before waiting, so a full pipe never blocks the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self), reason: process.terminationReason)
    }
}
