import SluicePostgres
import Synchronization

/// One `PostgresCommitGroup` per database and schema of a run: the views of one
/// pipeline in one database commit together with its checkpoint.
public final class PostgresGroups: Sendable {
    private let groups = Mutex<[String: PostgresCommitGroup]>([:])
    /// This worker's fencing token, stored with every checkpoint it saves.
    public let owner: String

    public init(owner: String) { self.owner = owner }

    /// The group for a libpq connection URI (no password in it) and a schema, made on
    /// first use; no connection is opened here.
    /// - Throws: `PostgresError` `.invalidConfiguration` for a URI that does not parse or
    ///   holds a password.
    public func group(connection: String, namespace: String, passwordFile: String?) throws -> PostgresCommitGroup {
        let configuration = PostgresConfiguration(uri: connection, passwordFile: passwordFile)
        try configuration.validate()
        return groups.withLock { groups in
            let key = connection + "\u{0}" + namespace
            if let group = groups[key] { return group }
            let group = PostgresCommitGroup(configuration: configuration, namespace: namespace, owner: owner)
            groups[key] = group
            return group
        }
    }
}
