import ArgumentParser
import SluicePipeline

/// `sluice schema`: the pipeline file reference, generated from the schema the checker uses.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the reference of the pipeline file format (Markdown).",
        discussion: """
            Every key, operator, aggregate function, connector and expression function, with an \
            example each, from the same schema `sluice validate` checks against. This is \
            docs/PIPELINES.md: sluice schema > docs/PIPELINES.md regenerates it.
            """)

    func run() throws {
        print(PipelineReference.markdown(), terminator: "")
    }
}
