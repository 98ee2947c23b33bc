import SluiceCore

extension DataType {
    /// The column type a view table declares for this Sluice type.
    ///
    /// Every type is stored in SQLite's native classes (int64, bool as 0/1 and timestamp as
    /// epoch milliseconds are all INTEGER values), while the declared name keeps the Sluice
    /// type visible to `.schema` in the `sqlite3` tool and lets `SQLiteViews.read` return
    /// `.bool` and `.timestamp` values. BOOLEAN and TIMESTAMP_MS get NUMERIC affinity, which
    /// stores the bound integers unchanged.
    var sqliteDeclaredType: String {
        switch self {
        case .int64: "INTEGER"
        case .double: "REAL"
        case .bool: "BOOLEAN"
        case .string: "TEXT"
        case .timestamp: "TIMESTAMP_MS"
        }
    }

    /// The Sluice type a declared column type stands for, when it is one `sqliteDeclaredType` writes.
    init?(sqliteDeclaredType declared: String) {
        switch declared.uppercased() {
        case "INTEGER": self = .int64
        case "REAL": self = .double
        case "BOOLEAN": self = .bool
        case "TEXT": self = .string
        case "TIMESTAMP_MS": self = .timestamp
        default: return nil
        }
    }
}
