import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// Every output a shipped pipeline file declares — its sinks, late outputs and dead
/// letters — is shown by `explain` and receives rows from a batch run over input with
/// late events, redeliveries and an undecodable line. An output declared but never
/// wired (as `late:` in the linear form once was) fails here.
@Suite struct ShippedOutputsTests {
    /// An output as the file declares it: every output URI of a shipped file is
    /// `"${VARIABLE:-default}"`, so the variable names the output and the test can send it
    /// somewhere it can read. Read from the text, not from the loaded spec, so an output
    /// the loader drops cannot drop out of the test too.
    struct Output: CustomStringConvertible {
        var variable: String
        /// How many times the file uses it (two views in one store, say).
        var uses: Int
        /// The default's scheme: `sqlite` outputs keep views, the others append.
        var keepsViews: Bool
        var description: String { variable }
    }

    static func declaredOutputs(in text: String) throws -> [Output] {
        let uri = try Regex(#"uri:\s*"\$\{([A-Z_]+):-([a-z]+):"#)
        var outputs: [Output] = []
        for match in text.matches(of: uri) {
            let variable = String(text[match.output[1].range!])
            guard variable != "DAA_EVENTS" else { continue }
            if let i = outputs.firstIndex(where: { $0.variable == variable }) {
                outputs[i].uses += 1
            } else {
                outputs.append(Output(variable: variable, uses: 1, keepsViews: text[match.output[2].range!] == "sqlite"))
            }
        }
        // Every output URI is configurable this way, or the test would miss it.
        let uris = text.matches(of: try Regex(#"(?m)^\s*(uri:|[a-z_]+:\s*\{\s*uri:)"#)).count
        #expect(uris == text.matches(of: uri).count, "an output URI of the file is not \"${VARIABLE:-default}\"")
        return outputs
    }

    /// Where a test run sends an output: a memory store for views, a file otherwise.
    static func destination(_ output: Output, in directory: TemporaryDirectory) -> String {
        output.keepsViews ? "memory:\(output.variable.lowercased())" : "file:\(directory.path(output.variable + ".ndjson"))"
    }

    /// Rows each use of an output received: committed rows of each view of a memory
    /// store, or the lines of a file (one count for all its uses).
    static func rowCounts(_ output: Output, in directory: TemporaryDirectory, memory: MemoryConnectors) throws -> [Int] {
        if output.keepsViews {
            let prefix = output.variable.lowercased() + "."
            return memory.all.filter { $0.key.hasPrefix(prefix) }.map { $0.value.rows.count }
        }
        let path = directory.path(output.variable + ".ndjson")
        guard FileManager.default.fileExists(atPath: path) else { return [0] }
        return [try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count]
    }

    /// Generated DAA traffic with minutes-late events and redeliveries, plus one line
    /// that cannot be decoded, as an NDJSON file.
    static func writeInput(to path: String) throws {
        let options = DAAGeneratorOptions(seed: 5, agents: 40, limit: .count(40_000), lateFraction: 0.01, duplicateFraction: 0.01)
        let source = try DAAGeneratorSource(name: "events", options: options)
        let reader = try source.openSplit(0, resumingAfter: nil)
        var bytes: [UInt8] = []
        var batches = 0
        while case .data(let batch, _) = try reader.next(maxRows: 4096) {
            bytes += DAAGeneratorSource.encodeNDJSON(batch)
            batches += 1
            if batches == 3 { bytes += Array(#"{"id":"broken","type":"metric"\#n"#.utf8) }
        }
        #expect(batches > 3)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test(arguments: ShippedPipelinesTests.files.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent })
    func everyDeclaredOutputIsExplainedAndReceivesRows(_ name: String) throws {
        let text = try String(contentsOfFile: "\(PipelineRunSupport.pipelinesDirectory)/\(name).yaml", encoding: .utf8)
        let outputs = try Self.declaredOutputs(in: text)
        #expect(outputs.contains { $0.variable == "DAA_DEAD_LETTER" }, "\(name) declares no dead-letter output")
        try TemporaryDirectory.with { directory in
            let input = directory.path("events.ndjson")
            try Self.writeInput(to: input)
            var environment: [String: String] = [:]
            for output in outputs { environment[output.variable] = Self.destination(output, in: directory) }
            let spec = try PipelineRunSupport.load(name, events: "file:\(input)", extra: environment)

            let explained = ExplainGraph(spec, partitions: 3).render(.text)
            for output in outputs {
                let shown = explained.components(separatedBy: Self.destination(output, in: directory)).count - 1
                #expect(shown == output.uses, "explain of \(name) shows \(output) \(shown) time(s), the file declares it \(output.uses):\n\(explained)")
            }

            let (_, memory) = try PipelineRunSupport.run(spec)
            for output in outputs {
                let counts = try Self.rowCounts(output, in: directory, memory: memory)
                #expect(counts.count == (output.keepsViews ? output.uses : 1) && counts.allSatisfy { $0 > 0 }, "\(name): \(output) received \(counts) rows")
            }
        }
    }
}
