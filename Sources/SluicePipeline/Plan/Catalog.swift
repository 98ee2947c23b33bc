import Foundation
public import SluiceConnectors
public import SluiceCore
import SluiceFormats

/// Turns connector URIs into the sources and sinks of a run.
///
/// The connectors are one explicit list (`ConnectorKind.all` describes them; the
/// factories below build them): nothing registers itself as a side effect. Loading never
/// touches the catalog's factories; only planning a run does, so `validate` and
/// `explain` open nothing.
public struct Catalog: Sendable {
    /// The processing-time clock given to sinks (flush intervals, view timestamps).
    public var timeSource: any TimeSource
    /// Where `memory:` sinks live.
    public var memory: MemoryConnectors
    /// The PostgreSQL commit groups of this run's `postgres://` views.
    public var postgres: PostgresGroups

    /// A catalog whose sinks read `timeSource` and whose `memory:` sinks live in `memory`.
    public init(
        timeSource: any TimeSource = SystemTimeSource(), memory: MemoryConnectors = MemoryConnectors(),
        postgres: PostgresGroups = PostgresGroups(owner: Catalog.defaultOwner)
    ) {
        self.timeSource = timeSource
        self.memory = memory
        self.postgres = postgres
    }

    /// The connection URI libpq understands: Sluice's own parameters (`schema`,
    /// `password_file`, a source's `table`, `column` and `order_by`) left out.
    static func libpqURI(_ uri: ConnectorURI) -> String {
        var text = "postgresql://"
        if let user = uri.user { text += user + "@" }
        text += uri.host ?? "localhost"
        if let port = uri.port { text += ":\(port)" }
        text += "/" + uri.path.drop { $0 == "/" }
        let passed = uri.parameters.filter { !["schema", "password_file", "table", "column", "order_by"].contains($0.name) }
        if !passed.isEmpty { text += "?" + passed.map { "\($0.name)=\($0.value)" }.joined(separator: "&") }
        return text
    }

    /// `SLUICE_WORKER_ID`, or host name and process id: names the worker that saved a
    /// checkpoint (fencing against a stale worker).
    public static var defaultOwner: String {
        if let id = ProcessInfo.processInfo.environment["SLUICE_WORKER_ID"], !id.isEmpty { return id }
        return "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// The source a spec names.
    /// - Parameter keepingRecords: decoded batches also carry each row's bytes as
    ///   received (`Batch.records`), for a pipeline with an `archive:` sink.
    /// - Throws: `CatalogError` when the connector is not in this build or cannot start.
    public func makeSource(_ spec: SourceSpec, keepingRecords: Bool = false) throws(CatalogError) -> any Source {
        let uri = spec.uri
        var decoding = DecoderOptions()
        decoding.keepsRecords = keepingRecords || spec.keepsRecords
        decoding.checkedFields = spec.checkedFields
        decoding.fingerprintedFields = spec.fingerprintedIds
        switch uri.scheme {
        case "generator" where uri.path == "daa":
            let options = try daaOptions(uri)
            return try wrap(uri) { try DAAGeneratorSource(name: spec.name, options: options) }
        case "generator" where uri.path == "w1":
            let agents = int(uri, "agents") ?? 10_000
            let events = int(uri, "count") ?? 1_000_000
            let splits = int(uri, "splits") ?? 1
            return try wrap(uri) {
                try W1WorkloadSource(name: spec.name, agents: agents, events: events, splits: splits, agentIdsAsStrings: true)
            }
        case "postgres":
            guard let table = uri.parameter("table") else {
                throw CatalogError(uri: uri, message: "a postgres source needs table= (the table or view holding the events)")
            }
            guard let orderBy = uri.parameter("order_by") else {
                throw CatalogError(uri: uri, message: "a postgres source needs order_by= (a unique key, so a restart resumes at the right row)")
            }
            return try wrap(uri) {
                try PostgresQuerySource(
                    name: spec.name, connection: Self.libpqURI(uri), passwordFile: uri.parameter("password_file"),
                    namespace: uri.parameter("schema") ?? "public", table: table, column: uri.parameter("column"),
                    orderBy: orderBy.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                    schema: spec.schema, required: Self.requiredFields(of: spec))
            }
        case "file":
            let splits = int(uri, "splits") ?? 1
            return try wrap(uri) {
                try NDJSONFileSource(
                    name: spec.name, path: uri.path, schema: spec.schema, required: Self.requiredFields(of: spec),
                    options: decoding, splits: splits)
            }
        case "archive":
            let (from, to) = try ArchiveRange.bounds(uri)
            return try wrap(uri) {
                try ArchiveSource(
                    name: spec.name, directory: uri.path, schema: spec.schema, required: Self.requiredFields(of: spec),
                    from: from, to: to, timeField: uri.parameter("time_field") ?? spec.eventTime?.field ?? "ts",
                    keepsRecords: keepingRecords || spec.keepsRecords, splits: int(uri, "splits"),
                    checkedFields: spec.checkedFields, fingerprintedFields: spec.fingerprintedIds)
            }
        case "amqp", "amqps":
            return try wrap(uri) { try Self.amqpSource(spec, pipeline: nil, keepingRecords: keepingRecords) }
        default:
            throw CatalogError.unavailable(uri)
        }
    }

    /// Fields a record must have to be decoded: the DAA envelope, every W1 field, or the
    /// non-nullable fields of another schema, and the event-time field.
    static func requiredFields(of spec: SourceSpec) -> Set<String> {
        var required: Set<String> = spec.schemaName == "daa" ? DAA.requiredFields : []
        for field in spec.declaredSchema.fields where !field.nullable { required.insert(field.name) }
        if let time = spec.eventTime?.field { required.insert(time) }
        return required
    }

    /// The sink a spec of pipeline `pipeline` names.
    public func makeSink(_ spec: SinkSpec, pipeline: String) throws(CatalogError) -> any Sink {
        let uri = spec.uri
        switch uri.scheme {
        case "sqlite":
            guard let view = spec.view else { throw CatalogError(uri: uri, message: "an sqlite sink needs a view") }
            try createParentDirectory(of: uri.path, for: uri)
            return SQLiteViewSink(name: spec.name, path: uri.path, view: view, timeSource: timeSource)
        case "postgres":
            guard let view = spec.view else { throw CatalogError(uri: uri, message: "a postgres sink needs a view") }
            return try wrap(uri) {
                try postgres.group(
                    connection: Self.libpqURI(uri), namespace: uri.parameter("schema") ?? "public",
                    passwordFile: uri.parameter("password_file"), pipeline: pipeline
                ).viewSink(name: spec.name, view: view)
            }
        case "amqp", "amqps":
            return try wrap(uri) { try Self.amqpSink(uri, name: spec.name) }
        case "memory":
            // Like tables in one database, each view of a memory store is its own sink.
            return memory.sink(named: spec.view.map { "\(uri.path).\($0)" } ?? uri.path)
        case "archive":
            return try ArchiveRange.sink(uri, name: spec.name, timeSource: timeSource)
        default:
            return try makeRowSink(uri, name: spec.name)
        }
    }

    /// Where rejected records go; nil means they are only counted (and sampled in the
    /// run summary), which is what `memory:` dead letters do.
    public func makeRejectionSink(_ uri: ConnectorURI, pipeline: String) throws(CatalogError) -> (any RejectionSink)? {
        switch uri.scheme {
        case "memory": return nil
        case "file": return DeadLetterFileSink(path: uri.path, pipeline: pipeline, rolling: try rolling(uri))
        case "amqp", "amqps": return try wrap(uri) { try Self.amqpRejectionSink(uri, pipeline: pipeline) }
        default: throw CatalogError.unavailable(uri)
        }
    }

    /// A sink for the late events of a window (rows of the window's input schema).
    public func makeLateSink(_ uri: ConnectorURI, name: String) throws(CatalogError) -> any Sink {
        switch uri.scheme {
        case "memory": return memory.sink(named: uri.path)
        // Late rows are events: whole, as received, even from a narrowed source.
        default: return try makeRowSink(uri, name: name, receivedEvents: true)
        }
    }

    /// Files and standard output: NDJSON lines, appended (a file keeps earlier runs' rows
    /// within its rolling policy).
    /// - Parameter receivedEvents: the rows are events, written as received when their
    ///   batches kept the bytes (`ReceivedEvents`).
    private func makeRowSink(_ uri: ConnectorURI, name: String, receivedEvents: Bool = false) throws(CatalogError)
        -> any Sink
    {
        switch uri.scheme {
        case "file":
            let sink = NDJSONFileSink(name: name, path: uri.path, append: true, rolling: try rolling(uri))
            sink.writesReceivedEvents = receivedEvents
            return sink
        case "stdout":
            let sink = StdoutSink(name: name)
            sink.writesReceivedEvents = receivedEvents
            return sink
        default: throw CatalogError.unavailable(uri)
        }
    }

    /// How a file output rolls: `max_bytes` and `keep` of its URI, `RollingPolicy.standard`
    /// for what they leave out. Loading already rejected bad values with their place in
    /// the file (the same parser decides), so this only fails for specs built by hand.
    private func rolling(_ uri: ConnectorURI) throws(CatalogError) -> RollingPolicy {
        do {
            return try RollingPolicy.parse(maxBytes: uri.parameter("max_bytes"), keep: uri.parameter("keep"))
        } catch {
            throw CatalogError(uri: uri, message: "\(error)")
        }
    }

    // MARK: Generator options

    private func daaOptions(_ uri: ConnectorURI) throws(CatalogError) -> DAAGeneratorOptions {
        var options = DAAGeneratorOptions()
        if let seed = int(uri, "seed") { options.seed = UInt64(seed) }
        if let agents = int(uri, "agents") { options.agents = agents }
        if let rate = double(uri, "rate") { options.eventsPerSecond = rate }
        if let count = int(uri, "count") {
            options.limit = .count(count)
        } else if let duration = uri.parameter("duration").flatMap({ DurationSyntax.parseMillis($0) }) {
            options.limit = .duration(.milliseconds(duration))
        }
        if let start = int(uri, "start") { options.startMillis = Int64(start) }
        if let disorder = uri.parameter("disorder").flatMap({ DurationSyntax.parseMillis($0) }) { options.disorderMillis = disorder }
        if let late = double(uri, "late") { options.lateFraction = late }
        if let duplicates = double(uri, "duplicates") { options.duplicateFraction = duplicates }
        if let splits = int(uri, "splits") { options.splits = splits }
        do {
            try options.validate()
        } catch {
            throw CatalogError(uri: uri, message: error.message)
        }
        return options
    }

    private func int(_ uri: ConnectorURI, _ name: String) -> Int? { uri.parameter(name).flatMap { Int($0) } }
    private func double(_ uri: ConnectorURI, _ name: String) -> Double? { uri.parameter(name).flatMap { Double($0) } }

    private func wrap<T>(_ uri: ConnectorURI, _ body: () throws -> T) throws(CatalogError) -> T {
        do {
            return try body()
        } catch {
            throw CatalogError(uri: uri, message: String(describing: error))
        }
    }

    private func createParentDirectory(of path: String, for uri: ConnectorURI) throws(CatalogError) {
        do {
            try FileSystem.createParentDirectory(of: path)
        } catch {
            throw CatalogError(uri: uri, message: "cannot create the directory for \(path): \(error)")
        }
    }
}

/// A connector that cannot be built: not in this build, or failing to start.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    /// The connector (printed redacted).
    public var uri: ConnectorURI
    /// What went wrong.
    public var message: String

    /// An error about `uri`.
    public init(uri: ConnectorURI, message: String) {
        self.uri = uri
        self.message = message
    }

    /// A connector that validates but cannot run in this build (`amqp://`, `kafka://`...).
    static func unavailable(_ uri: ConnectorURI) -> CatalogError {
        CatalogError(uri: uri, message: "connector not available in this build")
    }

    /// `redacted-uri: message`.
    public var description: String { "\(uri.redacted): \(message)" }
}
