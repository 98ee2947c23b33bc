import Foundation
import SluiceConnectors
import SluiceTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C and SIGTERM as users send them, to the release binary users run: a loaded run
/// must stop within seconds, exit 0, and leave what it committed in the views.
@Suite(.serialized) struct CLIReleaseShutdownTests {
    let pipelines = ShippedPipelinesTests.directory

    /// How long a stop may take after the signal, and how long the test waits at most.
    static let promptStop: TimeInterval = 5
    static let patience: TimeInterval = 20

    /// Sends `signal` once the process has run `after` seconds; returns what it printed
    /// and how long it took to exit after the signal (nil when it had to be killed).
    private func interrupt(_ process: SluiceProcess, with signal: Int32, after: TimeInterval) throws
        -> (result: SluiceProcess.Result, wasRunning: Bool, stopSeconds: TimeInterval?)
    {
        let (child, out, err) = try process.start()
        // Drain the pipes while waiting, so a chatty child never blocks on a full pipe.
        let collected = Mutex<(Data, Data)>((Data(), Data()))
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            collected.withLock { $0.0.append(data) }
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            collected.withLock { $0.1.append(data) }
        }
        Thread.sleep(forTimeInterval: after)
        let wasRunning = child.isRunning
        let sent = Date()
        kill(child.processIdentifier, signal)
        while child.isRunning && Date().timeIntervalSince(sent) < Self.patience { Thread.sleep(forTimeInterval: 0.02) }
        var stopSeconds: TimeInterval? = Date().timeIntervalSince(sent)
        if child.isRunning {
            kill(child.processIdentifier, SIGKILL)
            stopSeconds = nil
        }
        child.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        let rest = (out.fileHandleForReading.readDataToEndOfFile(), err.fileHandleForReading.readDataToEndOfFile())
        let (stdout, stderr) = collected.withLock { ($0.0 + rest.0, $0.1 + rest.1) }
        let result = SluiceProcess.Result(
            status: child.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self), reason: child.terminationReason)
        return (result, wasRunning, stopSeconds)
    }

    /// The rows of `view` in the embedded view store of `dir`.
    private func rows(of view: String, in dir: TemporaryDirectory) throws -> Int {
        try SQLiteViews.read(path: dir.path(".sluice/views.db"), view: view, limit: nil).rows.count
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aLoadedRunOfEveryShippedPipelineStopsPromptly(signal: Int32) throws {
        let binary = try ReleaseBinary.path()
        try TemporaryDirectory.with { dir in
            // All shipped pipelines on their embedded defaults: the generator in, one
            // SQLite file and the NDJSON files of .sluice/ out.
            let process = SluiceProcess(arguments: ["run", pipelines, "--workers", "2"], directory: dir.path, binary: binary)
            let (result, wasRunning, stopSeconds) = try interrupt(process, with: signal, after: 3)
            #expect(wasRunning, "the run ended before the signal: \(result.stderr)")
            let seconds = try #require(stopSeconds, "still running \(Self.patience) s after the signal; killed")
            #expect(seconds < Self.promptStop, "stopping took \(seconds) s")
            #expect(result.reason == .exit)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("stopping: draining and flushing"), "\(result.stderr)")
            for name in ShippedPipelinesTests.expectedNames {
                #expect(result.stdout.contains("\(name): stopped: "), "\(result.stdout)")
            }
            // Committed: the views the windows and folds keep have rows in the file.
            for view in ["agent_metrics_10s", "agent_state", "knowledge_usage_1m"] {
                #expect(try rows(of: view, in: dir) > 0, "view \(view) is empty")
            }
        }
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aLoadedBatchStopsPromptly(signal: Int32) throws {
        let binary = try ReleaseBinary.path()
        try TemporaryDirectory.with { dir in
            let generate = SluiceProcess(
                arguments: ["generate", "--count", "\(Self.batchEvents)", "--seed", "5", "--output", "events.ndjson"],
                directory: dir.path, binary: binary)
            let generated = try generate.run()
            #expect(generated.status == 0, "\(generated.stderr)")
            var process = SluiceProcess(
                arguments: ["batch", "\(pipelines)/agent-metrics.yaml", "--input", "events.ndjson", "--workers", "1"],
                directory: dir.path, binary: binary)
            process.environment = ["DAA_DEAD_LETTER": "memory:dead"]
            let (result, wasRunning, stopSeconds) = try interrupt(process, with: signal, after: 0.5)
            #expect(wasRunning, "the batch ended before the signal: \(result.stdout)")
            let seconds = try #require(stopSeconds, "still running \(Self.patience) s after the signal; killed")
            #expect(seconds < Self.promptStop, "stopping took \(seconds) s")
            #expect(result.reason == .exit)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("agent-metrics: stopped: "), "\(result.stdout)")
            #expect(result.stderr.contains("stopped before its input ended"), "\(result.stderr)")
            #expect(try rows(of: "agent_metrics_10s", in: dir) > 0)
        }
    }

    /// Enough events that a one-worker batch is still reading half a second in.
    static let batchEvents = 2_000_000
}
