import SluicePostgres
import Synchronization

/// One `PostgresCommitGroup` per pipeline, database and schema of a run: the views of one
/// pipeline in one database commit together with its checkpoint. Never one group for two
/// pipelines: a save of one pipeline's epoch would commit the other's prepared rows
/// without the other's checkpoint.
public final class PostgresGroups: Sendable {
    private let groups = Mutex<[String: PostgresCommitGroup]>([:])
    /// This worker's fencing token, stored with every checkpoint it saves.
    public let owner: String
    /// Attempts per checkpoint save on retryable errors.
    public let maxSaveAttempts: Int
    private let report: (@Sendable (_ pipeline: String, _ message: String) -> Void)?

    /// - Parameters:
    ///   - maxSaveAttempts: a daemon keeps trying (`.max`): a database restart must not end a run.
    ///   - report: told when a pipeline's database becomes unreachable and when it answers again.
    public init(
        owner: String, maxSaveAttempts: Int = 5,
        report: (@Sendable (_ pipeline: String, _ message: String) -> Void)? = nil
    ) {
        self.owner = owner
        self.maxSaveAttempts = maxSaveAttempts
        self.report = report
    }

    /// The group for a libpq connection URI (no password in it) and a schema, made on
    /// first use; no connection is opened here.
    /// - Throws: `PostgresError` `.invalidConfiguration` for a URI that does not parse or
    ///   holds a password.
    public func group(connection: String, namespace: String, passwordFile: String?, pipeline: String) throws -> PostgresCommitGroup {
        let configuration = PostgresConfiguration(uri: connection, passwordFile: passwordFile)
        try configuration.validate()
        return groups.withLock { groups in
            let key = [pipeline, connection, namespace].joined(separator: "\u{0}")
            if let group = groups[key] { return group }
            let report = self.report.map { report in { @Sendable (message: String) in report(pipeline, message) } }
            let group = PostgresCommitGroup(
                configuration: configuration, namespace: namespace, owner: owner, maxSaveAttempts: maxSaveAttempts,
                report: report)
            groups[key] = group
            return group
        }
    }
}
