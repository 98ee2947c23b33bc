import CSQLite

/// The storage class of one result value, as SQLite reports it.
enum SQLiteStorageClass {
    case integer, real, text, blob, null
}

/// One prepared statement. Owns the `sqlite3_stmt*` and finalizes it in `deinit`.
///
/// Holds its connection strongly, so the database stays open while the statement lives.
/// Parameter and column indices follow SQLite: parameters from 1, result columns from 0.
final class SQLiteStatement {
    private let connection: SQLiteConnection
    private let handle: OpaquePointer
    let sql: String

    /// SQLite's `SQLITE_TRANSIENT`: tells the bind functions to copy the bytes before
    /// returning, so the caller's buffer may go away. The C header defines it as the macro
    /// `((sqlite3_destructor_type)-1)`, which Swift cannot import.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    }

    init(connection: SQLiteConnection, sql: String, persistent: Bool) throws {
        var raw: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite3_prepare_v3(connection.handle, sql, -1, flags, &raw, nil)
        guard code == SQLITE_OK else {
            sqlite3_finalize(raw)
            throw SQLiteError.failure(code, "prepare \(sql)", on: connection.handle)
        }
        guard let raw else {
            throw SQLiteError(operation: "prepare \(sql)", code: SQLITE_MISUSE, message: "no statement in SQL text")
        }
        self.connection = connection
        self.handle = raw
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: Binding

    func bindNull(at index: Int32) throws {
        try checkBind(sqlite3_bind_null(handle, index), index)
    }

    func bind(_ value: Int64, at index: Int32) throws {
        try checkBind(sqlite3_bind_int64(handle, index, value), index)
    }

    func bind(_ value: Double, at index: Int32) throws {
        try checkBind(sqlite3_bind_double(handle, index, value), index)
    }

    /// Binds the string's UTF-8 bytes in place (no C string copy for native strings).
    func bind(_ text: String, at index: Int32) throws {
        let code =
            text.utf8.withContiguousStorageIfAvailable { bindUTF8($0, at: index) }
            ?? { var copy = text; return copy.withUTF8 { bindUTF8($0, at: index) } }()
        try checkBind(code, index)
    }

    /// Binds bytes as a BLOB (copied by SQLite).
    func bind(blob bytes: [UInt8], at index: Int32) throws {
        let code = bytes.withUnsafeBytes { raw in
            sqlite3_bind_blob64(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, UInt64(raw.count), Self.transient)
        }
        try checkBind(code, index)
    }

    private func bindUTF8(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int32) -> Int32 {
        // An empty buffer may have no base address, and a NULL pointer would bind SQL NULL.
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return sqlite3_bind_text(handle, index, "", 0, Self.transient)
        }
        let chars = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
        return sqlite3_bind_text64(handle, index, chars, UInt64(bytes.count), Self.transient, UInt8(SQLITE_UTF8))
    }

    private func checkBind(_ code: Int32, _ index: Int32) throws {
        guard code == SQLITE_OK else {
            throw SQLiteError.failure(code, "bind parameter \(index) of \(sql)", on: connection.handle)
        }
    }

    // MARK: Running

    /// Advances one step: true when a result row is available, false when the statement is done.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        let error = SQLiteError.failure(code, "run \(sql)", on: connection.handle)
        sqlite3_reset(handle)  // so the statement can be reused after the failure
        throw error
    }

    /// Runs a statement that returns no rows, then resets it for the next bindings.
    func run() throws {
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Rewinds to before the first step; bindings are kept.
    func reset() { sqlite3_reset(handle) }

    /// Sets every parameter back to NULL.
    func clearBindings() { sqlite3_clear_bindings(handle) }

    // MARK: Reading the current row

    var columnCount: Int32 { sqlite3_column_count(handle) }

    func columnName(_ index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    }

    func storageClass(_ index: Int32) -> SQLiteStorageClass {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_TEXT: .text
        case SQLITE_BLOB: .blob
        default: .null
        }
    }

    func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }

    func text(_ index: Int32) -> String {
        // column_text must come before column_bytes so the byte count matches the UTF-8 form.
        guard let bytes = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func blob(_ index: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(handle, index) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, index))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Steps once and returns the first column as text (pragmas, single-value queries).
    func singleText() throws -> String? {
        defer { reset() }
        guard try step(), storageClass(0) != .null else { return nil }
        return text(0)
    }
}
