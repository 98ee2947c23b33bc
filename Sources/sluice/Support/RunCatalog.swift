import Logging
import SluiceConnectors
import SluicePipeline

extension PipelinePlanner {
    /// The planner of `sluice run`: a daemon keeps committing through a database restart
    /// (checkpoint saves retry with backoff for as long as it takes, while the sources wait),
    /// and logs when a pipeline's database stops answering and when it answers again.
    static func daemon(logger: Logger) -> PipelinePlanner {
        let postgres = PostgresGroups(owner: Catalog.defaultOwner, maxSaveAttempts: .max) { pipeline, message in
            logger.notice("\(message)", metadata: ["pipeline": "\(pipeline)"])
        }
        return PipelinePlanner(catalog: Catalog(postgres: postgres))
    }
}
