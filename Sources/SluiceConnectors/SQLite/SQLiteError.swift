import CSQLite

/// A failed SQLite call: which operation failed, SQLite's result code and its message.
///
/// Every failing result code in the wrapper layer is translated by
/// `SQLiteError.failure(_:_:on:)`, so each error names what Sluice was doing
/// (`open /tmp/views.db`, `prepare INSERT INTO "agent_metrics" ...`).
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What Sluice was doing, e.g. `open /tmp/views.db`.
    public var operation: String
    /// SQLite's result code, e.g. 5 for SQLITE_BUSY, 19 for SQLITE_CONSTRAINT.
    public var code: Int32
    /// SQLite's explanation (`sqlite3_errmsg`, or `sqlite3_errstr` when no handle exists).
    public var message: String

    /// Creates an error; the wrapper layer builds these from SQLite's result codes.
    public init(operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    public var description: String { "SQLite: \(operation) failed: \(message) (code \(code))" }
}

extension SQLiteError {
    /// The one translation from a failing result code to a Swift error.
    ///
    /// - Parameter handle: the connection whose `sqlite3_errmsg` explains the failure; nil
    ///   when there is none (then `sqlite3_errstr` names the code).
    static func failure(_ code: Int32, _ operation: String, on handle: OpaquePointer?) -> SQLiteError {
        let message: String
        if let handle, let text = sqlite3_errmsg(handle) {
            message = String(cString: text)
        } else if let text = sqlite3_errstr(code) {
            message = String(cString: text)
        } else {
            message = "result code \(code)"
        }
        return SQLiteError(operation: operation, code: code, message: message)
    }

    /// Throws unless `code` is `SQLITE_OK`; the operation text is built only on failure.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String, on handle: OpaquePointer?) throws {
        guard code == SQLITE_OK else { throw failure(code, operation(), on: handle) }
    }
}
