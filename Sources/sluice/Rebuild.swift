import ArgumentParser
import Foundation
import SluiceConnectors
import SluicePipeline
import SluiceRuntime

/// `sluice rebuild PIPELINE --from archive:DIR`
struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute a pipeline's views from the archive and swap them in atomically.",
        discussion: """
            Runs the pipeline as a batch over the given input (usually the LZ4 archive, \
            archive:DIR with an optional from/to range) into fresh tables in a scratch \
            SQLite file, then replaces the pipeline's views in its store with them in one \
            transaction. A live `sluice run` of the pipeline keeps running: it waits for the \
            swap's lock and then writes into the new tables. Its other outputs (files, \
            alerts, late events, dead letters) are not written by a rebuild. SQLite views \
            only. Exit codes as for batch.
            """)

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "pipeline"))
    var path: String

    @Option(help: ArgumentHelp("The input to recompute from: a source URI such as archive:.sluice/archive.", valueName: "uri"))
    var from: String

    @Option(help: "Worker threads (default: half the cores, at least one: the input reads and decodes on its own threads).")
    var workers: Int?

    func run() throws {
        AllocatorPolicy.applyForBoundedJob()
        let (original, environment) = try OfflinePipeline.load(path, job: "rebuild")
        var spec = try LoadedPipelines.load(
            [path], loader: PipelineLoader(environment: environment, sourceOverrides: [original.sources[0].name: from]))[0]
        let scratchDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-rebuild-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratchDirectory) }
        let scratch = scratchDirectory.appendingPathComponent("views").path
        // Views go to a scratch file per live store (a pipeline may write to several);
        // every other output is discarded.
        var stores: [String: [String]] = [:]
        for i in spec.sinks.indices {
            if let view = spec.sinks[i].view {
                guard spec.sinks[i].uri.scheme == "sqlite" else {
                    Terminal.printError("\(spec.name): error: rebuild supports SQLite views; '\(view)' is in \(spec.sinks[i].uri.redacted)")
                    throw ExitCode(1)
                }
                stores[spec.sinks[i].uri.path, default: []].append(view)
            } else {
                spec.sinks[i].uri.scheme = "memory"
                spec.sinks[i].uri.path = "rebuild.\(spec.sinks[i].name)"
            }
        }
        let live = stores.keys.sorted()
        let scratchOf = Dictionary(uniqueKeysWithValues: live.enumerated().map { ($1, scratch + ".\($0)") })
        for i in spec.sinks.indices where spec.sinks[i].view != nil {
            spec.sinks[i].uri.path = scratchOf[spec.sinks[i].uri.path]!
        }
        spec.deadLetter.scheme = "memory"
        spec.deadLetter.path = "rebuild.dead"
        let planned = try LoadedPipelines.plan([spec])[0]
        guard planned.isBounded else {
            Terminal.printError("\(path): error: rebuild needs bounded input, but \(from) never ends")
            throw ExitCode(2)
        }
        var options = RunOptions.boundedJob(workers: workers, partitions: spec.partitions)
        options.deadLetter = planned.deadLetter
        let summary: RunSummary
        do {
            summary = try Job(planned.dataflow, options: options).run()
        } catch {
            Terminal.printError("\(spec.name): error: the rebuild failed: \(error); the views are unchanged")
            throw ExitCode(1)
        }
        print("\(spec.name): rebuilt from \(from): \(summary)")
        for store in live {
            let views = stores[store]!
            do {
                try SQLiteViews.swapIn(views: views, from: scratchOf[store]!, into: store)
            } catch {
                Terminal.printError("\(spec.name): error: swapping in the rebuilt views failed: \(error); \(store) is unchanged")
                throw ExitCode(1)
            }
            print("  swapped in \(views.joined(separator: ", ")) in \(store)")
        }
    }
}
