import ArgumentParser
import SluicePipeline

/// `sluice explain FILE [--format text|mermaid|dot]`
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a pipeline's operator graph.",
        discussion: """
            Shows each source, operator and sink: expressions, keys, windows, how rows are \
            spread over partitions (forward, or an exchange by hash of the key) and where \
            results go. Passwords in URIs are shown as ***.

            Formats: text (default), mermaid (paste into Markdown), dot (Graphviz).

            Example:
              sluice explain f.yaml --format dot | dot -Tsvg > f.svg
            """)

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "file"))
    var path: String

    @Option(help: ArgumentHelp("Output format: text, mermaid or dot.", valueName: "format"))
    var format = "text"

    @Option(help: "Partitions to show (default: the file's 'partitions', else one per core, as sluice run uses).")
    var partitions: Int?

    func validate() throws {
        if ExplainFormat(rawValue: format) == nil { throw ValidationError("--format must be text, mermaid or dot") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
    }

    func run() throws {
        let load = PipelineLoader().load(contentsOf: path)
        if !load.diagnostics.isEmpty { Terminal.printError(load.rendered) }
        guard let spec = load.spec else { throw ExitCode(2) }
        let count = partitions ?? spec.partitions ?? Defaults.partitions
        print(ExplainGraph(spec, partitions: count).render(ExplainFormat(rawValue: format) ?? .text), terminator: "")
    }
}
