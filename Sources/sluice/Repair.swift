import ArgumentParser
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceOperators
import SluicePipeline
import SluiceRuntime

/// `sluice repair PIPELINE --late LATE_FILE --from archive:DIR`
struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply late events: recompute the windows they fell in from the archive and upsert the corrected rows.",
        discussion: """
            Reads the late events (the NDJSON file of the pipeline's late output), finds the \
            tumbling windows they belong to, and runs the pipeline over the archive's events \
            of those windows plus the late events, in event-time order (so none is late \
            again; de-duplication drops events that are in both), upserting the rows into \
            the pipeline's views. Windows are recomputed whole: the range is aligned to the \
            largest window. Pipelines with sliding or session windows or running folds are \
            refused (their rows over a partial range would be wrong); use rebuild for those. \
            Other outputs (files, alerts, late events) are not written.
            """)

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "pipeline"))
    var path: String

    @Option(help: ArgumentHelp("The late events (NDJSON, as the late output writes them).", valueName: "file"))
    var late: String

    @Option(help: ArgumentHelp("The archive: archive:DIR.", valueName: "uri"))
    var from: String

    @Option(help: "Worker threads (default: half the cores, at least one: the input reads and decodes on its own threads).")
    var workers: Int?

    func run() throws {
        let (original, environment) = try OfflinePipeline.load(path, job: "repair")
        guard from.hasPrefix("archive:") else { throw ValidationError("--from must be an archive: URI") }
        let directory = String(from.dropFirst("archive:".count).prefix { $0 != "?" })
        let size = try Self.windowSize(original)
        let source = original.sources[0]
        let timeField = source.eventTime?.field ?? "ts"

        // The late events, and the whole windows they fall in.
        let lateFile = try NDJSONFileSource(name: "late", path: late, schema: source.declaredSchema, required: [timeField])
        let lateRows = try Self.readAll(lateFile)
        let times = lateRows.flatMap { $0.column(named: timeField)?.ints ?? [] }
        guard let earliest = times.min(), let latest = times.max() else {
            print("\(original.name): no late events in \(late): nothing to repair")
            return
        }
        let low = Self.floor(earliest, size)
        let high = Self.floor(latest, size) + size
        let archive = try ArchiveSource(
            name: "archive", directory: directory, schema: source.declaredSchema, required: [timeField], from: low, to: high,
            timeField: timeField)
        let archived = try Self.readAll(archive)
        let bytes = Self.linesByTime(archived + lateRows, timeField)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-repair-\(UUID().uuidString).ndjson")
        try Data(bytes).write(to: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }

        var spec = try LoadedPipelines.load(
            [path], loader: PipelineLoader(environment: environment, sourceOverrides: [source.name: "file:" + scratch.path]))[0]
        for i in spec.sinks.indices where spec.sinks[i].view == nil {
            spec.sinks[i].uri.scheme = "memory"
            spec.sinks[i].uri.path = "repair.\(spec.sinks[i].name)"
        }
        spec.deadLetter.scheme = "memory"
        spec.deadLetter.path = "repair.dead"
        let planned = try LoadedPipelines.plan([spec])[0]
        var options = RunOptions.boundedJob(workers: workers, partitions: spec.partitions)
        options.deadLetter = planned.deadLetter
        let summary = try Job(planned.dataflow, options: options).run()
        let format = ISO8601DateFormatter()
        print(
            "\(spec.name): repaired the windows in [\(format.string(from: Date(timeIntervalSince1970: Double(low) / 1000))), "
                + "\(format.string(from: Date(timeIntervalSince1970: Double(high) / 1000)))) with \(times.count) late events "
                + "and \(archived.reduce(0) { $0 + $1.count }) archived events: \(summary)")
    }

    /// The window every aggregate's range must align to; refuses what a range cannot repair.
    static func windowSize(_ spec: PipelineSpec) throws -> Int64 {
        var sizes: [Int64] = []
        for node in spec.nodes {
            guard case .aggregate(let aggregation) = node.operation else { continue }
            guard case .tumbling(let size)? = aggregation.window else {
                throw ValidationError(
                    "'\(node.name)' is not a tumbling window: repair recomputes whole tumbling windows; use sluice rebuild")
            }
            sizes.append(size)
        }
        guard let largest = sizes.max() else { throw ValidationError("\(spec.name) has no windowed aggregate to repair") }
        guard sizes.allSatisfy({ largest % $0 == 0 }) else {
            throw ValidationError("the windows of \(spec.name) do not nest (each size must divide the largest)")
        }
        return largest
    }

    static func floor(_ value: Int64, _ size: Int64) -> Int64 { (value >= 0 ? value : value - size + 1) / size * size }

    static func readAll(_ source: any Source) throws -> [SluiceCore.Batch] {
        var out: [SluiceCore.Batch] = []
        for split in 0..<source.splitCount {
            let reader = try source.openSplit(split, resumingAfter: nil)
            defer { reader.close() }
            reading: while true {
                switch try reader.next(maxRows: 4096) {
                case .data(let batch, _): if !batch.isEmpty { out.append(batch) }
                case .idle: continue
                case .end: break reading
                }
            }
        }
        return out
    }

    /// The rows as NDJSON lines (`ArchiveRecordEncoder`) in event-time order (stable), so
    /// the run sees no late event.
    static func linesByTime(_ batches: [SluiceCore.Batch], _ field: String) -> [UInt8] {
        var lines: [(time: Int64, sequence: Int, bytes: ArraySlice<UInt8>)] = []
        for batch in batches {
            var encoded: [UInt8] = []
            ArchiveRecordEncoder.encode(batch, into: &encoded)
            let times = batch.column(named: field)?.ints ?? []
            var start = 0
            for (row, end) in encoded.indices.filter({ encoded[$0] == 0x0A }).enumerated() {
                lines.append((row < times.count ? times[row] : 0, lines.count, encoded[start...end]))
                start = end + 1
            }
        }
        lines.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
        var out: [UInt8] = []
        for line in lines { out += line.bytes }
        return out
    }
}
