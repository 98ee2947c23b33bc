import BenchSupport
import SluiceConnectors
import Foundation
import Synchronization

// usage: W1Run [agents] [events] [workers] [raw|engine|both]
//        SLUICE_SPLITS, SLUICE_PARTITIONS, SLUICE_BATCH_ROWS (default: W1Engine.inputSplits) — the engine's set-up
//        SLUICE_W1_WINDOW=sliding:60000:10000 (or tumbling:SIZE) — the engine's window
//        W1Run file [workers]        — W1-file end to end: the raw file loop (RawW1File), then
//                                      the engine through its decoder, results compared (the
//                                      file is generated into Benchmarks/.data/ on first use)
//        W1Run file PATH [workers]   — the same over another W1-format file
//        W1Run file [PATH] workers engine — the engine only (no raw loop, no comparison), for
//                                      timing the engine as a process (w1file-duckdb.py)
//        W1Run archive [workers]     — the engine only over the W1-file's archive (written into
//                                      Benchmarks/.data/ on first use), then over the file, for
//                                      profiling one against the other: rate and CPU seconds
//        W1Run decode [PATH]         — JSON lines → columns in one thread, MB/s: the first 100 MB
//                                      of the W1-file, and 200,000 generated DAA events
//        W1Run decode-w2 [PATH]      — the W2 input decoded as its pattern-effectiveness job does
//                                      (records kept; the other contract fields skipped, then
//                                      checked), one thread, MB/s
//        W1Run state [agents]        — bytes per live key of W1's window state
//        W1Run checkpoints [events] [on|off|both] [sqlite|sqlite-clock] — W1 K=100,000, one
//                                      worker, a checkpoint per 10 s of event time into a
//                                      counting store (the `W1 checkpoints` benchmark's run), or
//                                      into a SQLite file as `sluice run` saves them (with
//                                      `sqlite-clock`, once a second of processing time)
//        W1Run dedupe [events] [rounds] — de-duplication alone (DedupeRun), single-threaded:
//                                      the engine's operator beside the raw limit, ns per event,
//                                      bytes per remembered id
//        W1Run dedupe-snapshot [events] [batches per epoch] — de-duplication's snapshots alone
//                                      (DedupeSnapshotRun): one per epoch into the buffer of the
//                                      one before, beside copying the same bytes (the raw limit)
//        W1Run p95 [agents] [events] [rounds] [workers] — W1 without and with percentile(value,
//                                      0.95), alternating in one process: each run's rate and the
//                                      median ratio (the cost of agent-metrics' p95 in the engine)
let arguments = CommandLine.arguments
if arguments.count > 1, arguments[1] == "dedupe" {
    let events = arguments.count > 2 ? Int(arguments[2])! : 5_000_000
    let rounds = arguments.count > 3 ? Int(arguments[3])! : 5
    let run = DedupeRun(events: events)
    var ratios: [Double] = []
    for round in 0..<rounds {
        // Which goes first alternates, so a drifting machine speed favours neither.
        let (engine, raw) = round % 2 == 0 ? (run.engine(), run.raw()) : { let r = run.raw(); return (run.engine(), r) }()
        precondition(engine.duplicates == run.redeliveries && raw.duplicates == run.redeliveries,
                     "duplicates: engine \(engine.duplicates), raw \(raw.duplicates), expected \(run.redeliveries)")
        ratios.append(engine.seconds / raw.seconds)
        print(String(
            format: "round %d: engine %.1f ns/event (%.1f B/id), raw limit %.1f ns/event (%.1f B/id), engine / raw %.2f",
            round + 1, engine.seconds / Double(events) * 1e9, engine.bytesPerId, raw.seconds / Double(events) * 1e9,
            raw.bytesPerId, engine.seconds / raw.seconds))
    }
    print(String(format: "median engine / raw limit: %.2f", ratios.sorted()[ratios.count / 2]))
    exit(0)
}
if arguments.count > 1, arguments[1] == "dedupe-snapshot" {
    let events = arguments.count > 2 ? Int(arguments[2])! : 5_000_000
    let batchesPerEpoch = arguments.count > 3 ? Int(arguments[3])! : 122
    let result = DedupeSnapshotRun.run(DedupeRun(events: events), batchesPerEpoch: batchesPerEpoch)
    let idsWritten = result.idsWritten
    print(String(
        format: "%d snapshots (last: %d ids, %d bytes, hash %016llx): engine %.3f s (%.1f ns per id written), raw copy %.3f s (%.1f ns), engine / raw %.1f",
        result.snapshots, result.lastIds, result.lastBytes, result.lastHash, result.engineSeconds,
        result.engineSeconds / idsWritten * 1e9, result.rawSeconds, result.rawSeconds / idsWritten * 1e9,
        result.engineSeconds / result.rawSeconds))
    exit(0)
}
if arguments.count > 1, arguments[1] == "p95" {
    let agents = arguments.count > 2 ? Int(arguments[2])! : 10_000
    let events = arguments.count > 3 ? Int(arguments[3])! : 5_000_000
    let rounds = arguments.count > 4 ? Int(arguments[4])! : 7
    let workers = arguments.count > 5 ? Int(arguments[5])! : 1
    let data = W1Data(agents: agents, events: events)
    let splits = W1Engine.inputSplits(data, splits: workers, partitions: workers)
    var ratios: [Double] = []
    var fastest = [false: Double.infinity, true: Double.infinity]
    for round in 0..<rounds {
        var seconds = [false: 0.0, true: 0.0]
        // Which goes first alternates, so a drifting machine speed favours neither.
        for percentile in round % 2 == 0 ? [false, true] : [true, false] {
            let start = ContinuousClock.now
            let sink = try W1Engine.run(splits, workers: workers, percentile: percentile).1
            let elapsed = ContinuousClock.now - start
            precondition(sink.countSum == Int64(events), "sum(count) \(sink.countSum) != \(events)")
            seconds[percentile] = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        for percentile in [false, true] { fastest[percentile] = min(fastest[percentile]!, seconds[percentile]!) }
        let ratio = seconds[true]! / seconds[false]!
        ratios.append(ratio)
        print(String(
            format: "round %d: without %.2f M ev/s, with p95 %.2f M ev/s, time with / without %.3f", round + 1,
            Double(events) / seconds[false]! / 1e6, Double(events) / seconds[true]! / 1e6, ratio))
    }
    print(String(
        format: "median time with p95 / without: %.3f; fastest runs: without %.3f s, with %.3f s (%.0f ns per value)",
        ratios.sorted()[ratios.count / 2], fastest[false]!, fastest[true]!,
        (fastest[true]! - fastest[false]!) / Double(events) * 1e9))
    exit(0)
}
if arguments.count > 1, arguments[1] == "state" {
    let agents = arguments.count > 2 ? Int(arguments[2])! : 100_000
    let m = W1State.measure(agents: agents)
    print(String(
        format: "state: %d keys, %.1f B/key (operator account), %.1f B/key (resident growth), snapshot %.1f B/key",
        m.keys, Double(m.stateBytes) / Double(m.keys), Double(m.residentBytes) / Double(m.keys),
        Double(m.snapshotBytes) / Double(m.keys)))
    exit(0)
}
if arguments.count > 1, arguments[1] == "checkpoints" {
    let events = arguments.count > 2 ? Int(arguments[2])! : 5_000_000
    let only = arguments.count > 3 ? arguments[3] : "both"
    // `sqlite`: checkpoints saved in a SQLite file under /tmp, as `sluice run` saves them.
    let inSQLite = arguments.count > 4 && arguments[4].hasPrefix("sqlite")
    // `sqlite-clock`: epochs on the default 1 s processing-time clock, as `sluice run` has them.
    let onClock = arguments.count > 4 && arguments[4] == "sqlite-clock"
    let data = W1Data(agents: 100_000, events: events)
    let splits = W1Engine.inputSplits(data, splits: 1, partitions: 1)
    let every = W1Engine.batchesPerSplit(eventMillis: 10_000, splits: 1, partitions: 1)
    for checkpointing in [false, true] where only == "both" || (only == "on") == checkpointing {
        let store = CountingCheckpointStore()
        let database = "/tmp/w1run-checkpoints-\(getpid()).db"
        defer { for suffix in ["", "-wal", "-shm"] { unlink(database + suffix) } }
        // Saves as the job reports them: the SQLite store counts nothing itself.
        let savedInRun = Mutex<(count: Int, bytes: Int)>((0, 0))
        let start = ContinuousClock.now
        _ = try W1Engine.run(splits, workers: 1) { options in
            options.epochIntervalMillis = onClock ? 1000 : nil
            options.epochEveryBatches = onClock ? nil : every
            if checkpointing {
                options.checkpointStore = store
                if inSQLite { options.checkpointStore = SQLiteCommitGroup(path: database) }
            }
            options.onCheckpointSaved = { report in
                savedInRun.withLock {
                    $0.count += 1
                    $0.bytes += report.stateBytes
                }
                if inSQLite { print(String(format: "  saved epoch %d in %.1f ms", report.epoch, report.durationSeconds * 1000)) }
            }
        }
        let d = ContinuousClock.now - start
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        let saved = savedInRun.withLock { $0 }
        print(String(format: "checkpoints %@: %.2f M ev/s (%.3f s), %d saved, %d kB each",
            checkpointing ? "on " : "off", Double(events) / s / 1e6, s, saved.count, saved.count > 0 ? saved.bytes / saved.count / 1000 : 0))
    }
    exit(0)
}
if arguments.count > 1, arguments[1] == "decode-w2" {
    let path = arguments.count > 2 ? arguments[2] : W2Input.defaultPath
    guard FileManager.default.fileExists(atPath: path) else {
        print("no W2 input at \(path): generate it with ./w2-duckdb.py (it writes Benchmarks/.data/w2-daa-5m-seed42.ndjson)")
        exit(2)
    }
    try DecodeRate.reportW2(path: path)
    exit(0)
}
if arguments.count > 1, arguments[1] == "decode" {
    try DecodeRate.report(w1Path: arguments.count > 2 ? arguments[2] : try W1FileInput.ensure())
    exit(0)
}
if arguments.count > 1, arguments[1] == "archive" {
    let workers = arguments.count > 2 ? Int(arguments[2]) ?? 1 : 1
    let only = arguments.count > 3 ? arguments[3] : "both"
    let path = try W1FileInput.ensure()
    let directory = try W1ArchiveInput.ensure(events: W1FileInput.standardEvents)
    for overArchive in [true, false] where only == "both" || (only == "archive") == overArchive {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpuStart = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let (summary, _, d) = try W1Engine.runArchiveOrFile(
            overArchive: overArchive, directory: directory, path: path, workers: workers)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6 - cpuStart
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        print(String(format: "%@: %.2f M ev/s (%.3f s, cpu %.3f s)", overArchive ? "archive" : "file   ", Double(summary.eventsIn) / s / 1e6, s, cpu))
    }
    exit(0)
}
if arguments.count > 1, arguments[1] == "file" {
    // `file 2` means two workers on the standard file; anything else is a path.
    let engineOnly = arguments.last == "engine"
    let fileArguments = engineOnly ? Array(arguments.dropLast()) : arguments
    let givenPath = fileArguments.count > 2 && Int(fileArguments[2]) == nil ? fileArguments[2] : nil
    let workerArgument =
        fileArguments.count > (givenPath == nil ? 2 : 3) ? fileArguments[givenPath == nil ? 2 : 3] : "1"
    guard let workers = Int(workerArgument), workers > 0 else {
        print("usage: W1Run file [PATH] [workers]; workers must be a positive number, got \(workerArgument)")
        exit(2)
    }
    let path: String
    if let givenPath {
        guard FileManager.default.fileExists(atPath: givenPath) else {
            print("no file at \(givenPath); `W1Run file` without a path generates the W1-file into Benchmarks/.data/ on first use")
            exit(2)
        }
        path = givenPath
    } else {
        if !FileManager.default.fileExists(atPath: W1FileInput.path(events: W1FileInput.standardEvents)) {
            print("generating the W1-file (819 MB, once) into \(W1FileInput.path(events: W1FileInput.standardEvents)) ...")
        }
        path = try W1FileInput.ensure()
    }
    func elapsed(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
    if engineOnly {
        let start = ContinuousClock.now
        let (summary, sink) = try W1Engine.runFile(path: path, workers: workers)
        let s = elapsed(since: start)
        print(String(format: "file engine: %.2f M ev/s (%.3f s) rejected %d ", Double(summary.eventsIn) / s / 1e6, s, summary.rejected) + "\(Checksums(sink))")
        exit(0)
    }
    let rawStart = ContinuousClock.now
    let raw = try RawW1File.run(path: path)
    let rawSeconds = elapsed(since: rawStart)
    print(String(format: "file raw:    %.2f M ev/s (%.3f s, %.0f MB/s) ", Double(raw.lines) / rawSeconds / 1e6, rawSeconds, Double(raw.bytes) / rawSeconds / 1e6) + "\(raw.totals)")
    let start = ContinuousClock.now
    let (summary, sink) = try W1Engine.runFile(path: path, workers: workers)
    let s = elapsed(since: start)
    print(String(format: "file engine: %.2f M ev/s (%.3f s) rejected %d ", Double(summary.eventsIn) / s / 1e6, s, summary.rejected) + "\(Checksums(sink))")
    if let difference = Checksums(sink).mismatch(raw.totals) {
        print("MISMATCH: engine \(difference)")
        exit(1)
    }
    exit(0)
}
let agents = arguments.count > 1 ? Int(arguments[1])! : 10_000
let events = arguments.count > 2 ? Int(arguments[2])! : 20_000_000
let workers = arguments.count > 3 ? Int(arguments[3])! : 1
let mode = arguments.count > 4 ? arguments[4] : "both"

let data = W1Data(agents: agents, events: events)
let environment = ProcessInfo.processInfo.environment
let partitions = environment["SLUICE_PARTITIONS"].flatMap { Int($0) } ?? workers
let splitCount = environment["SLUICE_SPLITS"].flatMap { Int($0) } ?? workers
let splits = environment["SLUICE_BATCH_ROWS"].flatMap { Int($0) }.map { data.splits(splitCount, batchRows: $0) }
    ?? W1Engine.inputSplits(data, splits: splitCount, partitions: partitions)
func rate(_ d: Duration) -> String {
    let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    return String(format: "%.1f M ev/s (%.3f s)", Double(events) / s / 1e6, s)
}
if mode != "engine" {
    let start = ContinuousClock.now
    let lookahead = ProcessInfo.processInfo.environment["SLUICE_RAW_LOOKAHEAD"].flatMap { Int($0) } ?? 8
    let raw = RawW1.run(data, lookahead: lookahead)
    print("raw:    \(rate(ContinuousClock.now - start)) \(raw)")
}
/// User + system CPU seconds of the whole process so far, and its minor page faults.
func cpuSeconds() -> (Double, Int) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return (s(usage.ru_utime) + s(usage.ru_stime), usage.ru_minflt)
}
if mode != "raw" {
    let windowText = environment["SLUICE_W1_WINDOW"]
    guard let window = windowText.map(W1Engine.window(parsing:)) ?? W1Engine.tumbling else {
        print("SLUICE_W1_WINDOW must be tumbling:SIZE_MS or sliding:SIZE_MS:SLIDE_MS, got \(windowText!)")
        exit(2)
    }
    let start = ContinuousClock.now
    let cpuStart = cpuSeconds()
    let (_, sink) = try W1Engine.run(splits, workers: workers, partitions: partitions, window: window)
    let cpuEnd = cpuSeconds()
    let cpu = cpuEnd.0 - cpuStart.0
    print("engine \(window): \(rate(ContinuousClock.now - start)) rows \(sink.rows) count \(sink.countSum)", String(format: "cpu %.3f s (%.1f M ev per cpu-s), %d page faults", cpu, Double(events) / cpu / 1e6, cpuEnd.1 - cpuStart.1))
}

