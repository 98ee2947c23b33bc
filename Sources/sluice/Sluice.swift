import ArgumentParser

/// The `sluice` command: validate, explain, run and batch-run pipeline files.
@main
struct Sluice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Stream processing for DAA agent events: pipelines are YAML files.",
        discussion: """
            A pipeline file names a source of events, the steps applied to them and where the \
            results go. Start with:

              sluice validate pipelines/            check every pipeline file
              sluice explain pipelines/agent-metrics.yaml
              sluice run pipelines/ --for 30s       run them on generated events
              sluice views                          see what they produced

            With no environment set, pipelines read the built-in DAA event generator and \
            write views to .sluice/views.db (SQLite). Set DAA_EVENTS, DAA_VIEWS and \
            DAA_DEAD_LETTER to point them elsewhere.

            Exit status: 0 on success (a run stopped by Ctrl-C or SIGTERM included); 1 when \
            a run fails or cannot start (a missing input file, a connector this build lacks, \
            a server that is down); 2 when a pipeline file has errors or the command line is \
            wrong; 3 when a graceful stop of `sluice run` passed its --shutdown-timeout.
            """,
        version: SluiceVersion.text,
        subcommands: [
            Validate.self, Explain.self, Run.self, Batch.self, Replay.self, Rebuild.self, Repair.self, Jobs.self, Generate.self,
            Views.self, SchemaCommand.self, Inspect.self,
        ])
}
