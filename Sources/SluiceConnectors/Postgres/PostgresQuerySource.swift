public import SluiceCore
import SluiceFormats
public import SluicePostgres

/// A bounded source over events kept in a PostgreSQL table or view (an event store): read
/// through a server-side cursor, `batchRows` rows per `FETCH`, so the table is never all
/// in memory, inside one `REPEATABLE READ, READ ONLY` transaction, so a run reads one
/// consistent snapshot however long it takes.
///
/// Each row is one event as JSON: the text of `column` (json, jsonb or text), or, without
/// a column, the whole row as a JSON object (`to_jsonb`), so a typed table whose column
/// names are the event's fields works as is. Events are decoded like the lines of an
/// NDJSON file: the same rejections, dead-lettered with their row number.
///
/// Positions are the number of rows read. A restored run skips (`MOVE`) that many rows,
/// which resumes at the same row only when `orderBy` orders the rows totally (a unique key):
/// that is why it is required.
public struct PostgresQuerySource: Source {
    public let name: String
    public let schema: Schema
    public var splitCount: Int { 1 }
    public var isBounded: Bool { true }
    public let configuration: PostgresConfiguration
    /// The database schema of the table.
    public let namespace: String
    public let table: String
    /// The column holding each event's JSON; nil reads whole rows.
    public let column: String?
    /// The columns the rows are read in the order of.
    public let orderBy: [String]
    /// Rows per `FETCH` (and at most per batch).
    public let batchRows: Int
    private let decoder: JSONBatchDecoder

    /// - Parameter connection: a libpq URI without a password (see `PostgresConfiguration`).
    /// - Throws: `PostgresError` `.invalidConfiguration` for a URI that does not parse or holds a password.
    public init(
        name: String, connection: String, passwordFile: String?, namespace: String, table: String, column: String?,
        orderBy: [String], schema: Schema, required: Set<String>, batchRows: Int = 4096
    ) throws {
        let configuration = PostgresConfiguration(uri: connection, passwordFile: passwordFile)
        try configuration.validate()
        guard !orderBy.isEmpty else {
            throw SluiceErrorFactory.invalid("source '\(name)': order_by must name the columns that order the rows")
        }
        self.name = name
        self.configuration = configuration
        self.namespace = namespace
        self.table = table
        self.column = column
        self.orderBy = orderBy
        self.schema = schema
        self.batchRows = max(1, batchRows)
        decoder = JSONBatchDecoder(schema: schema, required: required)
    }

    public func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        guard index == 0 else { throw SluiceErrorFactory.invalid("source '\(name)' has one split, not \(index + 1)") }
        if let position, position.source != name || position.split != 0 || position.offset < 0 {
            throw SluiceErrorFactory.invalid("position \(position) does not belong to source '\(name)'")
        }
        return try PostgresQueryReader(source: self, decoder: decoder, skipping: position?.offset ?? 0)
    }
}

/// Reads one cursor; owns its connection (one thread, as `SourceReader` promises).
final class PostgresQueryReader: SourceReader {
    private let source: PostgresQuerySource
    private var decoder: JSONBatchDecoder
    private var connection: PostgresConnection?
    private var rowsRead: Int64
    private static let cursor = "sluice_events"

    init(source: PostgresQuerySource, decoder: JSONBatchDecoder, skipping rows: Int64) throws {
        self.source = source
        self.decoder = decoder
        rowsRead = rows
        let connection = try PostgresConnection.connect(source.configuration)
        let table = try connection.quoteIdentifier(source.namespace) + "." + connection.quoteIdentifier(source.table)
        let value = try source.column.map { "\(try connection.quoteIdentifier($0))::text" } ?? "to_jsonb(t)::text"
        let order = try source.orderBy.map { try connection.quoteIdentifier($0) }.joined(separator: ", ")
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try connection.execute("DECLARE \(Self.cursor) NO SCROLL CURSOR FOR SELECT \(value) FROM \(table) AS t ORDER BY \(order)")
        if rows > 0 { try connection.execute("MOVE FORWARD \(rows) IN \(Self.cursor)") }
        self.connection = connection
    }

    func next(maxRows: Int) throws -> SourceChunk {
        guard let connection else { return .end }
        let wanted = max(1, min(maxRows, source.batchRows))
        let fetched = try connection.execute("FETCH FORWARD \(wanted) FROM \(Self.cursor)").rows
        guard !fetched.isEmpty else {
            try connection.execute("COMMIT")
            self.connection = nil
            return .end
        }
        // A NULL event is an empty record: rejected with its row number, like a blank line.
        let messages = fetched.map { Array(($0.first ?? nil)?.utf8 ?? "".utf8) }
        let positions = (1...Int64(fetched.count)).map {
            SourcePosition(source: source.name, split: 0, offset: rowsRead + $0)
        }
        rowsRead += Int64(fetched.count)
        let (batch, rejections) = decoder.decodeMessages(messages, positions: positions)
        return .data(batch, rejections: rejections)
    }

    func close() { connection = nil }
}
