import SluiceConnectors
import SluicePipeline

extension PipelinePlanner {
    /// The planner of `sluice run`: a daemon keeps committing through a database restart
    /// (checkpoint saves retry with backoff for as long as it takes, while the sources wait),
    /// and says on stderr when a pipeline's database stops answering and when it answers again.
    static var daemon: PipelinePlanner {
        let postgres = PostgresGroups(owner: Catalog.defaultOwner, maxSaveAttempts: .max) { pipeline, message in
            Terminal.printError("\(pipeline): \(message)")
        }
        return PipelinePlanner(catalog: Catalog(postgres: postgres))
    }
}
