import SluiceCore

/// The SQL shape of one PostgreSQL view: its table, its staging tables, the statements
/// that apply staged rows, and how an existing table differs from it.
///
/// Column types: bigint (int64), double precision (double), boolean (bool), text
/// (string) and timestamptz (timestamp): a view's readers get real timestamps, and epoch
/// milliseconds fit timestamptz's microseconds exactly. Upsert views get
/// `PRIMARY KEY (key)`; append views no key.
struct PostgresViewTable: Sendable {
    static let sequenceColumn = "sluice_seq"

    let view: String
    let schema: Schema
    /// The primary key columns; empty in append mode.
    let key: [String]
    let qualifiedName: String
    let createSQL: String
    /// COPY into the view itself (append mode).
    let copySQL: String
    /// Per-session staging tables, emptied at commit.
    let createStageSQL: String
    let copyStageSQL: String
    let upsertFromStageSQL: String
    let truncateStageSQL: String
    let createDeleteStageSQL: String
    let copyDeleteStageSQL: String
    let deleteFromStageSQL: String
    let truncateDeleteStageSQL: String

    var keyFieldIndices: [Int] { key.compactMap { schema.index(of: $0) } }

    /// - Parameters:
    ///   - namespace: the database schema holding the view.
    ///   - stageSuffix: makes this view's staging table names unique in the session.
    ///   - quote: quotes an identifier (libpq's `PQescapeIdentifier`).
    init(
        view: String, schema: Schema, mode: SinkMode, namespace: String, stageSuffix: Int,
        quote: (String) throws -> String
    ) throws {
        guard !view.isEmpty else { throw SluiceError(.invalidArgument, "a PostgreSQL view needs a name") }
        guard !view.hasPrefix("sluice_") else {
            throw SluiceError(.invalidArgument, "view name '\(view)' is reserved (sluice_* tables are Sluice's)")
        }
        guard schema.count > 0 else { throw SluiceError(.invalidArgument, "view '\(view)' has no columns") }
        var seen = Set<String>()
        for field in schema.fields {
            guard seen.insert(field.name).inserted else {
                throw SluiceError(.invalidArgument, "view '\(view)' has column '\(field.name)' twice")
            }
            guard field.name != Self.sequenceColumn else {
                throw SluiceError(.invalidArgument, "view '\(view)': column name '\(field.name)' is reserved")
            }
        }
        let key: [String]
        switch mode {
        case .append:
            key = []
        case .upsert(let upsertKey):
            key = upsertKey
            guard !key.isEmpty else { throw SluiceError(.invalidArgument, "view '\(view)' upserts without key columns") }
            for column in key where schema.index(of: column) == nil {
                throw SluiceError(.invalidArgument, "view '\(view)': key column '\(column)' is not in the schema \(schema)")
            }
            guard Set(key).count == key.count else {
                throw SluiceError(.invalidArgument, "view '\(view)' lists a key column twice: \(key)")
            }
        }
        self.key = key
        self.view = view
        self.schema = schema
        let table = try quote(namespace) + "." + quote(view)
        qualifiedName = table
        let columns = try schema.names.map(quote)
        let columnList = columns.joined(separator: ", ")
        let keyColumns = try key.map(quote)
        let keyList = keyColumns.joined(separator: ", ")
        var definitions = zip(columns, schema.fields).map { column, field in
            column + " " + field.type.postgresCreateType + (key.contains(field.name) ? " NOT NULL" : "")
        }
        if !key.isEmpty { definitions.append("PRIMARY KEY (\(keyList))") }
        createSQL = "CREATE TABLE \(table) (\(definitions.joined(separator: ", ")))"
        copySQL = "COPY \(table) (\(columnList)) FROM STDIN"

        let stage = try quote("sluice_stage_\(stageSuffix)")
        let sequence = try quote(Self.sequenceColumn)
        // LIKE copies the column types (and NOT NULL); the identity numbers rows in
        // arrival order, so the last row of a key in one batch wins.
        createStageSQL = """
            CREATE TEMP TABLE IF NOT EXISTS \(stage) (LIKE \(table), \(sequence) bigint GENERATED ALWAYS AS IDENTITY) \
            ON COMMIT DELETE ROWS
            """
        copyStageSQL = "COPY \(stage) (\(columnList)) FROM STDIN"
        truncateStageSQL = "TRUNCATE \(stage)"
        if key.isEmpty {
            upsertFromStageSQL = ""
        } else {
            let updates = zip(columns, schema.names).filter { !key.contains($0.1) }.map { "\($0.0) = EXCLUDED.\($0.0)" }
            let action = updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + updates.joined(separator: ", ")
            upsertFromStageSQL = """
                INSERT INTO \(table) (\(columnList)) SELECT DISTINCT ON (\(keyList)) \(columnList) FROM \(stage) \
                ORDER BY \(keyList), \(sequence) DESC ON CONFLICT (\(keyList)) \(action)
                """
        }
        let deleteStage = try quote("sluice_delete_\(stageSuffix)")
        createDeleteStageSQL = """
            CREATE TEMP TABLE IF NOT EXISTS \(deleteStage) ON COMMIT DELETE ROWS AS SELECT \(key.isEmpty ? "1 AS x" : keyList) \
            FROM \(table) WITH NO DATA
            """
        copyDeleteStageSQL = "COPY \(deleteStage) (\(keyList)) FROM STDIN"
        deleteFromStageSQL =
            "DELETE FROM \(table) AS v USING \(deleteStage) AS d WHERE "
            + keyColumns.map { "v.\($0) = d.\($0)" }.joined(separator: " AND ")
        truncateDeleteStageSQL = "TRUNCATE \(deleteStage)"
    }

    /// The catalog query `differences` reads: one row per column (name, type, in the
    /// primary key), each with the relation kind; no rows when the table does not exist.
    static let catalogSQL = """
        SELECT c.relkind::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
               COALESCE(a.attnum = ANY(i.indkey), false)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        WHERE n.nspname = $1 AND c.relname = $2
        ORDER BY a.attnum
        """

    struct ExistingColumn: Equatable {
        var name: String
        var type: String
        var inPrimaryKey: Bool
    }

    /// Every way `existing` differs from this table, in words; empty when they match.
    /// Column order does not matter (COPY and INSERT name their columns).
    func differences(from existing: [ExistingColumn]) -> [String] {
        var found: [String: ExistingColumn] = [:]
        for column in existing { found[column.name] = column }
        var differences: [String] = []
        for field in schema.fields {
            let wanted = field.type.postgresCatalogType
            guard let column = found[field.name] else {
                differences.append("missing column '\(field.name)' \(wanted)")
                continue
            }
            if column.type != wanted {
                differences.append("column '\(field.name)' is \(column.type), the pipeline writes \(wanted)")
            }
        }
        for column in existing where schema.index(of: column.name) == nil {
            differences.append("unexpected column '\(column.name)' \(column.type)")
        }
        let existingKey = existing.filter(\.inPrimaryKey).map(\.name)
        if Set(existingKey) != Set(key) {
            differences.append("primary key is \(Self.describe(existingKey)), the pipeline needs \(Self.describe(key))")
        }
        return differences
    }

    private static func describe(_ key: [String]) -> String {
        key.isEmpty ? "none" : "(" + key.joined(separator: ", ") + ")"
    }
}

extension DataType {
    /// The type a new view column is created with.
    var postgresCreateType: String {
        switch self {
        case .int64: "bigint"
        case .double: "double precision"
        case .bool: "boolean"
        case .string: "text"
        case .timestamp: "timestamptz"
        }
    }

    /// The same type as `format_type` spells it in the catalog.
    var postgresCatalogType: String {
        self == .timestamp ? "timestamp with time zone" : postgresCreateType
    }
}
