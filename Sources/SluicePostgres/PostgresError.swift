/// An error from PostgreSQL or from libpq, with what a caller needs to decide what to do.
///
/// Every libpq failure becomes one of these in exactly one place (`PostgresError.check`
/// in `PostgresResult.swift` for results, `PostgresConnection.connect` for connections).
///
/// - `code` says which part failed (connecting, the configuration, the server refusing a
///   statement, COPY); `sqlState` is the server's five-character SQLSTATE when it sent one.
/// - `isRetryable` separates external trouble that a later attempt can get past (the
///   connection broke, the server is shutting down, a serialization failure or deadlock)
///   from errors that repeat forever (bad SQL, a missing table, a violated constraint).
/// - `description` is generic: it names the operation, the code, the SQLSTATE and the
///   schema objects involved (table, column, constraint), never the server's message,
///   detail or the statement, which can hold row data or credentials. Those are in
///   `serverMessage`/`serverDetail` and in `String(reflecting:)` (`debugDescription`),
///   for a person reading one error, not for logs.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Which part of the work failed. New codes may be added; match the ones you handle.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidConfiguration, connectionFailed, server, unexpectedResult, copyFailed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The URI or a setting cannot be used (a password in the URI, an unreadable secrets file).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// No connection could be made, or an open one broke.
        public static let connectionFailed = Code(.connectionFailed)
        /// The server refused a statement; `sqlState` says why.
        public static let server = Code(.server)
        /// The server answered with a result the call did not expect (e.g. a statement that
        /// is not a COPY given to `copyIn`).
        public static let unexpectedResult = Code(.unexpectedResult)
        /// Sending COPY data failed on the client side.
        public static let copyFailed = Code(.copyFailed)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The libpq operation or wrapper call that failed, e.g. `execute`, `copyIn`, `connect`.
    public var operation: String
    /// The SQLSTATE (e.g. `42601`), when the server sent one.
    public var sqlState: String?
    /// The table, column and constraint the server named, if any (schema names, not data).
    public var table: String?
    public var column: String?
    public var constraint: String?
    /// What the server or libpq said; may contain row data. Not part of `description`.
    public var serverMessage: String?
    public var serverDetail: String?
    /// A fixed explanation written by this module (never data), shown in `description`.
    public var reason: String?
    /// Where the error was thrown.
    public var file: String
    public var line: Int

    public init(
        _ code: Code, operation: String, sqlState: String? = nil, reason: String? = nil, serverMessage: String? = nil,
        serverDetail: String? = nil, table: String? = nil, column: String? = nil, constraint: String? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.operation = operation
        self.sqlState = sqlState
        self.reason = reason
        self.serverMessage = serverMessage
        self.serverDetail = serverDetail
        self.table = table
        self.column = column
        self.constraint = constraint
        self.file = file
        self.line = line
    }

    /// True when the same work may succeed later: the connection failed (SQLSTATE class
    /// 08, or no SQLSTATE because the socket closed), the server is shutting down or
    /// restarting (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now),
    /// too many connections (53300), or the transaction lost a serialization race or a
    /// deadlock (40001, 40P01). Syntax and schema errors (class 42), constraint violations
    /// (class 23), bad data (class 22) and configuration errors are not.
    public var isRetryable: Bool {
        if code == .connectionFailed { return true }
        guard code == .server, let state = sqlState else { return false }
        if state.hasPrefix("08") { return true }
        return ["57P01", "57P02", "57P03", "53300", "40001", "40P01"].contains(state)
    }

    public var description: String {
        var text = "PostgreSQL \(operation) failed (\(code)"
        if let sqlState { text += ", SQLSTATE \(sqlState)" }
        text += ")"
        if let reason { text += ": \(reason)" }
        let objects = [table.map { "table \($0)" }, column.map { "column \($0)" }, constraint.map { "constraint \($0)" }]
            .compactMap { $0 }
        if !objects.isEmpty { text += " [" + objects.joined(separator: ", ") + "]" }
        return text
    }

    public var debugDescription: String {
        var text = description
        if let serverMessage { text += "; server: \(serverMessage)" }
        if let serverDetail { text += "; detail: \(serverDetail)" }
        return text + " (at \(file):\(line))"
    }
}
