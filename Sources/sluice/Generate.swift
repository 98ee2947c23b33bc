import ArgumentParser
import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline

/// `sluice generate [--count N] [--agents K] [--seed S] [--w1] [--output PATH]`
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write generated DAA events as NDJSON.",
        discussion: """
            Writes the events the built-in generator produces (the same as a pipeline's \
            generator:daa source with the same options): the platform's traffic mix, agent \
            and workflow lifecycles, a little disorder, a few late events and re-deliveries. \
            With --w1, writes the W1 benchmark stream instead (metric samples, deterministic). \
            With --output, says what it wrote; to standard output, writes only the events.

            To amqp:// or amqps:// (the password from AMQP_PASSWORD or password_file=), \
            publishes the events with publisher confirms, one per persistent message, or \
            --per-message N as NDJSON bodies (content type application/x-ndjson); --from \
            publishes the lines of an NDJSON file instead of generated events. The routing \
            key is routing_key= (with {column} placeholders), else the queue, else {agent_id}.

            Example:
              sluice generate --count 100000 --output events.ndjson
              sluice batch pipelines/agent-metrics.yaml --input events.ndjson
              sluice generate --count 100000 --per-message 100 --output 'amqp://guest@localhost/?queue=daa-events'
              sluice generate --output 'amqp://guest@localhost/?exchange=daa&partitions=4&queue=daa'
            """)

    @Option(help: "How many events to write.")
    var count: Int = 10_000

    @Option(help: "How many agents emit them.")
    var agents: Int?

    @Option(help: "Seeds every random choice; the same seed writes the same events.")
    var seed: UInt64 = 42

    @Flag(help: "Write the W1 benchmark stream (agent_id, metric, value, ts) instead of DAA events.")
    var w1 = false

    @Option(help: ArgumentHelp("The file to write (default: standard output).", valueName: "path"))
    var output: String?

    @Option(help: ArgumentHelp("Events per message when publishing to amqp:// (NDJSON bodies above 1).", valueName: "n"))
    var perMessage: Int = 1

    @Option(help: ArgumentHelp("Publish the lines of this NDJSON file instead of generated events (amqp:// outputs).", valueName: "path"))
    var from: String?

    func validate() throws {
        if count < 0 { throw ValidationError("--count must not be negative") }
        if perMessage < 1 { throw ValidationError("--per-message must be at least 1") }
        if from != nil && !isBroker { throw ValidationError("--from needs an amqp:// or amqps:// --output") }
        if let agents, agents < 1 { throw ValidationError("--agents must be at least 1") }
    }

    /// True when `--output` names a RabbitMQ broker rather than a file.
    private var isBroker: Bool { output.map { $0.hasPrefix("amqp://") || $0.hasPrefix("amqps://") } ?? false }

    func run() throws {
        do {
            if isBroker, let output {
                try GenerateToBroker(uri: output, perMessage: perMessage).run(source: from == nil ? try generatedSource() : nil, file: from)
                return
            }
            if w1, let output {
                // To a file: exactly the W1-file of workloads.md, byte for byte.
                try W1WorkloadSource.writeNDJSON(agents: agents ?? 10_000, events: count, to: output)
                report(count, "W1 events (\(agents ?? 10_000) agents)", output)
                return
            }
            let source: any Source =
                w1
                ? try W1WorkloadSource(name: "w1", agents: agents ?? 10_000, events: count, agentIdsAsStrings: true)
                : try DAAGeneratorSource(name: "daa", options: DAAGeneratorOptions(seed: seed, agents: agents ?? 1000, limit: .count(count)))
            let handle: FileHandle
            if let output {
                guard let opened = Self.create(output) else { throw SluiceError(.io, "cannot write \(output)") }
                handle = opened
            } else {
                handle = FileHandle.standardOutput
            }
            defer { if output != nil { try? handle.close() } }
            var written = 0
            for split in 0..<source.splitCount {
                let reader = try source.openSplit(split, resumingAfter: nil)
                reading: while true {
                    switch try reader.next(maxRows: 8192) {
                    case .data(let batch, _):
                        try handle.write(contentsOf: DAAGeneratorSource.encodeNDJSON(batch))
                        written += batch.count
                    case .idle: continue
                    case .end: break reading
                    }
                }
            }
            if let output {
                let what = w1 ? "W1 events (\(agents ?? 10_000) agents)" : "DAA events (seed \(seed), \(agents ?? 1000) agents)"
                report(written, what, output)
            }
        } catch {
            Terminal.printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    private func generatedSource() throws -> any Source {
        w1
            ? try W1WorkloadSource(name: "w1", agents: agents ?? 10_000, events: count, agentIdsAsStrings: true)
            : try DAAGeneratorSource(name: "daa", options: DAAGeneratorOptions(seed: seed, agents: agents ?? 1000, limit: .count(count)))
    }

    /// Says what went into the file (on standard output: the events went to the file).
    private func report(_ events: Int, _ what: String, _ path: String) {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        let size = bytes.map { $0 >= 1_000_000 ? " (\(Double($0 / 100_000) / 10) MB)" : " (\($0) bytes)" } ?? ""
        print("wrote \(events) \(what) to \(path)\(size)")
    }

    /// The file at `path`, created or truncated.
    private static func create(_ path: String) -> FileHandle? {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { return nil }
        return FileHandle(forWritingAtPath: path)
    }
}
