/// Questions about a database's tables, asked through SQLite's own catalog.
enum SQLiteCatalog {
    /// One column as `pragma_table_info` describes it.
    struct TableColumn: Equatable {
        var name: String
        var declaredType: String
        /// 1-based position in the primary key; 0 when the column is not part of it.
        var primaryKeyPosition: Int
    }

    /// `identifier` as a quoted SQL identifier, safe for any view or column name.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacing("\"", with: "\"\"") + "\""
    }

    /// The kind of schema object named `name` (`table`, `view`, `index`, `trigger`), or nil.
    ///
    /// SQLite resolves names without regard to ASCII case, so the lookup does too.
    static func objectType(named name: String, on connection: SQLiteConnection) throws -> String? {
        let statement = try connection.prepare("SELECT type FROM sqlite_master WHERE name = ?1 COLLATE NOCASE")
        try statement.bind(name, at: 1)
        return try statement.singleText()
    }

    /// The columns of table `name` in declaration order (empty when there is no such table).
    static func columns(of name: String, on connection: SQLiteConnection) throws -> [TableColumn] {
        let statement = try connection.prepare("SELECT name, type, pk FROM pragma_table_info(?1)")
        try statement.bind(name, at: 1)
        var columns: [TableColumn] = []
        while try statement.step() {
            columns.append(
                TableColumn(name: statement.text(0), declaredType: statement.text(1),
                            primaryKeyPosition: Int(statement.int64(2))))
        }
        return columns
    }

    /// Ordinary tables, by name, without SQLite's internal tables and Sluice's bookkeeping
    /// (every `_sluice_` table: epochs, and the checkpoints a store in the same file keeps).
    static func userTables(on connection: SQLiteConnection) throws -> [String] {
        let statement = try connection.prepare(
            """
            SELECT name FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sluice\\_%' ESCAPE '\\'
            ORDER BY name
            """)
        var names: [String] = []
        while try statement.step() { names.append(statement.text(0)) }
        return names
    }
}
