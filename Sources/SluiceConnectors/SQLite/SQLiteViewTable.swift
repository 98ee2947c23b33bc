import SluiceCore

/// The SQL shape of one view: its table definition, its insert, and how an existing table
/// differs from it.
///
/// Upsert views are `WITHOUT ROWID` tables clustered on the key, so an upsert touches one
/// B-tree instead of a table and its key index. Append views are plain tables in arrival order.
struct SQLiteViewTable {
    let name: String
    let schema: Schema
    /// The primary key columns; empty in append mode.
    let key: [String]
    /// The schema positions of the key columns.
    var keyFieldIndices: [Int] { key.compactMap { schema.index(of: $0) } }

    init(name: String, schema: Schema, mode: SinkMode) throws {
        guard !name.isEmpty else { throw SluiceError(.invalidArgument, "a SQLite view needs a name") }
        // SQLite owns sqlite_* names, Sluice owns its bookkeeping table; names ignore ASCII case.
        guard !name.lowercased().hasPrefix("sqlite_"), name.lowercased() != SQLiteEpochTable.name else {
            throw SluiceError(.invalidArgument, "view name '\(name)' is reserved")
        }
        guard schema.count > 0 else {
            throw SluiceError(.invalidArgument, "view '\(name)' has no columns")
        }
        var seen = Set<String>()
        for field in schema.fields where !seen.insert(field.name.lowercased()).inserted {
            // SQLite column names ignore ASCII case, so "Mean" and "mean" would collide.
            throw SluiceError(.invalidArgument, "view '\(name)' has column '\(field.name)' twice")
        }
        switch mode {
        case .append:
            key = []
        case .upsert(let key):
            guard !key.isEmpty else {
                throw SluiceError(.invalidArgument, "view '\(name)' upserts without key columns")
            }
            for column in key where schema.index(of: column) == nil {
                throw SluiceError(
                    .invalidArgument,
                    "view '\(name)': key column '\(column)' is not in the schema \(schema)")
            }
            guard Set(key).count == key.count else {
                throw SluiceError(.invalidArgument, "view '\(name)' lists a key column twice: \(key)")
            }
            self.key = key
        }
        self.name = name
        self.schema = schema
    }

    var quotedName: String { SQLiteCatalog.quote(name) }

    var createSQL: String {
        var parts = schema.fields.map { field in
            let notNull = key.contains(field.name) ? " NOT NULL" : ""
            return "\(SQLiteCatalog.quote(field.name)) \(field.type.sqliteDeclaredType)\(notNull)"
        }
        guard !key.isEmpty else { return "CREATE TABLE \(quotedName) (\(parts.joined(separator: ", ")))" }
        parts.append("PRIMARY KEY (\(key.map(SQLiteCatalog.quote).joined(separator: ", ")))")
        return "CREATE TABLE \(quotedName) (\(parts.joined(separator: ", "))) WITHOUT ROWID"
    }

    /// The one insert every row goes through; parameter `i + 1` is schema field `i`.
    ///
    /// In upsert mode a conflicting key overwrites every other column with the new
    /// (absolute) values, so writing a row twice leaves the same table.
    var insertSQL: String {
        let columns = schema.names.map(SQLiteCatalog.quote).joined(separator: ", ")
        let parameters = (1...schema.count).map { "?\($0)" }.joined(separator: ", ")
        let insert = "INSERT INTO \(quotedName) (\(columns)) VALUES (\(parameters))"
        guard !key.isEmpty else { return insert }
        let target = key.map(SQLiteCatalog.quote).joined(separator: ", ")
        let updates = schema.names.filter { !key.contains($0) }.map { name in
            "\(SQLiteCatalog.quote(name)) = excluded.\(SQLiteCatalog.quote(name))"
        }
        guard !updates.isEmpty else { return insert + " ON CONFLICT (\(target)) DO NOTHING" }
        return insert + " ON CONFLICT (\(target)) DO UPDATE SET " + updates.joined(separator: ", ")
    }

    /// The delete of one row by primary key (upsert mode only); parameter `i + 1` is key
    /// column `i`. A key that is absent, or has a null part, deletes nothing.
    var deleteSQL: String {
        precondition(!key.isEmpty, "append views have no key to delete by")
        let conditions = key.enumerated().map { "\(SQLiteCatalog.quote($1)) = ?\($0 + 1)" }
        return "DELETE FROM \(quotedName) WHERE " + conditions.joined(separator: " AND ")
    }

    /// Every way `existing` differs from this table, in words; empty when they match.
    ///
    /// Column order does not matter (rows are inserted by column name); names, declared
    /// types and the primary key do.
    func differences(from existing: [SQLiteCatalog.TableColumn]) -> [String] {
        var found: [String: SQLiteCatalog.TableColumn] = [:]
        for column in existing { found[column.name] = column }
        var differences: [String] = []
        for field in schema.fields {
            let wanted = field.type.sqliteDeclaredType
            guard let column = found[field.name] else {
                differences.append("missing column '\(field.name)' \(wanted)")
                continue
            }
            if column.declaredType.uppercased() != wanted {
                differences.append("column '\(field.name)' is \(column.declaredType), the pipeline writes \(wanted)")
            }
        }
        for column in existing where schema.index(of: column.name) == nil {
            differences.append("unexpected column '\(column.name)' \(column.declaredType)")
        }
        let existingKey = existing.filter { $0.primaryKeyPosition > 0 }
            .sorted { $0.primaryKeyPosition < $1.primaryKeyPosition }.map(\.name)
        if Set(existingKey) != Set(key) {
            differences.append("primary key is \(Self.describe(existingKey)), the pipeline needs \(Self.describe(key))")
        }
        return differences
    }

    private static func describe(_ key: [String]) -> String {
        key.isEmpty ? "none" : "(" + key.joined(separator: ", ") + ")"
    }
}
