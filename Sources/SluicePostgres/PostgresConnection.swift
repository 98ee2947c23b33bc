internal import CLibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One blocking connection to PostgreSQL (one libpq `PGconn`), closed when released.
///
/// Statements use libpq's blocking calls, so run them on a thread or Dispatch queue of
/// their own, never on Swift's cooperative pool.
///
/// - Important: not `Sendable`. libpq allows a `PGconn` on any thread but never on two at
///   once, and a transaction is connection state, so a connection has one owner at a time:
///   a sink executor's queue, or a type that keeps it behind a lock and documents that.
public final class PostgresConnection {
    private let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { PQfinish(handle) }

    /// Opens a connection and sets `statement_timeout`.
    ///
    /// - Throws: `PostgresError` `.invalidConfiguration` for a URI with a password or an
    ///   unreadable password file, `.connectionFailed` (retryable) when the server cannot
    ///   be reached or refuses the login, `.server` when setting the timeout fails.
    public static func connect(_ configuration: PostgresConfiguration) throws -> PostgresConnection {
        try configuration.validate()
        var keywords = ["dbname", "fallback_application_name"]
        var values = [configuration.uri, configuration.applicationName]
        if getenv("PGCONNECT_TIMEOUT") == nil {
            // Before the URI, which libpq expands in place: a connect_timeout it names wins.
            keywords.insert("connect_timeout", at: 0)
            values.insert(String(configuration.connectTimeoutSeconds), at: 0)
        }
        if let password = try configuration.passwordFromFile() {
            // After the expanded URI, so it fills the (absent) password.
            keywords.append("password")
            values.append(password)
        }
        let handle = withCStrings(keywords) { keywords in
            withCStrings(values) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let handle else {
            throw PostgresError(.connectionFailed, operation: "connect", reason: "libpq could not allocate a connection")
        }
        // From here the class owns the handle: every exit frees it in `deinit`.
        let connection = PostgresConnection(handle: handle)
        // NOTICEs ("relation already exists, skipping") would go to stderr by default;
        // nothing Sluice runs needs them.
        _ = PQsetNoticeProcessor(handle, { _, _ in }, nil)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresFunnel.connectionError(handle, operation: "connect")
        }
        try connection.execute("SET statement_timeout = \(configuration.statementTimeoutMillis)")
        return connection
    }

    /// Whether the connection is still usable as far as libpq knows (it learns of a broken
    /// socket only when a call fails).
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// The value libpq uses for a connection parameter (`connect_timeout`, `sslmode`, …),
    /// or nil when it has none. Never the password: that is not for reading back.
    public func parameter(_ keyword: String) -> String? {
        guard keyword != "password", let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    /// The server process serving this connection (`pg_backend_pid()`).
    public var backendProcessID: Int32 { PQbackendPID(handle) }

    /// Whether a transaction is open (idle in it, or failed inside it).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Runs one statement with `$1`, `$2`, … parameters and returns its rows.
    ///
    /// - Throws: `PostgresError`, `.server` with the SQLSTATE when the server refuses it.
    @discardableResult
    public func execute(_ sql: String, parameters: [PostgresValue] = []) throws -> PostgresRows {
        let texts = parameters.map(\.textForm)
        let result: OpaquePointer? = withParameters(parameters, texts: texts) { values, lengths, formats in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, lengths, formats, 0)
        }
        return try PostgresFunnel.check(
            result, on: handle, expected: [PGRES_COMMAND_OK, PGRES_TUPLES_OK], operation: "execute"
        ).rows()
    }

    /// Runs a `COPY … FROM STDIN` statement and streams `data` (in the statement's format,
    /// e.g. tab-separated text rows ending in newlines) to it.
    ///
    /// - Returns: the number of rows the server copied.
    /// - Throws: `PostgresError` `.unexpectedResult` when `sql` is not a COPY FROM STDIN,
    ///   `.server` when the server rejects the data (the COPY then wrote nothing),
    ///   `.copyFailed`/`.connectionFailed` when sending fails.
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8]) throws -> Int {
        _ = try PostgresFunnel.check(PQexec(handle, sql), on: handle, expected: [PGRES_COPY_IN], operation: "copyIn")
        let chunk = 1 << 20
        var sendFailed = false
        data.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count, !sendFailed {
                let n = min(chunk, buffer.count - offset)
                let sent = buffer.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: n) {
                    PQputCopyData(handle, $0, Int32(n))
                }
                sendFailed = sent != 1
                offset += n
            }
        }
        guard PQputCopyEnd(handle, sendFailed ? "client failed to send COPY data" : nil) == 1 else {
            drainResults()
            throw PostgresFunnel.connectionError(handle, operation: "copyIn")
        }
        // The COPY's own outcome, then nil; anything left over would poison the next call.
        let outcome = PQgetResult(handle)
        defer { drainResults() }
        let rows = try PostgresFunnel.check(outcome, on: handle, expected: [PGRES_COMMAND_OK], operation: "copyIn")
            .rows()
        if sendFailed {
            throw PostgresError(.copyFailed, operation: "copyIn", reason: "sending COPY data failed")
        }
        return rows.affectedRows ?? 0
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws (the
    /// error is rethrown; a rollback that fails too, e.g. on a broken connection, is
    /// ignored because the server discards the transaction anyway).
    ///
    /// - Throws: `body`'s error; `PostgresError` when BEGIN or COMMIT fails, and
    ///   `.unexpectedResult` when a statement inside failed but `body` swallowed the
    ///   error (PostgreSQL would turn the COMMIT into a silent ROLLBACK).
    @discardableResult
    public func transaction<Result>(_ body: (PostgresConnection) throws -> Result) throws -> Result {
        try execute("BEGIN")
        let result: Result
        do {
            result = try body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        if PQtransactionStatus(handle) == PQTRANS_INERROR {
            rollbackQuietly()
            throw PostgresError(
                .unexpectedResult, operation: "commit",
                reason: "a statement in the transaction failed; it was rolled back")
        }
        try execute("COMMIT")
        return result
    }

    /// `name` quoted as an SQL identifier by libpq (`PQescapeIdentifier`), so a view or
    /// column name can never end the identifier and change the statement.
    public func quoteIdentifier(_ name: String) throws -> String {
        let utf8 = Array(name.utf8)
        let escaped = utf8.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQescapeIdentifier(handle, $0.baseAddress, $0.count) }
        }
        guard let escaped else {
            throw PostgresError(
                .invalidConfiguration, operation: "quoteIdentifier", reason: "the name is not valid in the client encoding",
                serverMessage: PQerrorMessage(handle).map { String(cString: $0) })
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    private func rollbackQuietly() {
        guard isConnected else { return }
        _ = try? execute("ROLLBACK")
    }

    private func drainResults() {
        while let leftover = PQgetResult(handle) { PQclear(leftover) }
    }
}

/// Lends `strings` as a C array of C strings for the duration of `body`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { for copy in copies { free(copy) } }
    return body(copies.map { UnsafePointer($0) } + [nil])
}

/// Lends the parameters as libpq's value/length/format arrays for the duration of `body`.
private func withParameters<R>(
    _ parameters: [PostgresValue], texts: [String?],
    _ body: ([UnsafePointer<CChar>?], [Int32], [Int32]) -> R
) -> R {
    var copies: [UnsafeMutablePointer<CChar>?] = []
    var lengths: [Int32] = []
    var formats: [Int32] = []
    copies.reserveCapacity(parameters.count)
    defer { for copy in copies { free(copy) } }
    for (parameter, text) in zip(parameters, texts) {
        switch parameter {
        case .bytes(let bytes):
            // malloc, like strdup, so one `free` releases every copy.
            let copy = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: CChar.self)
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { memcpy(copy, base, source.count) }
            }
            copies.append(copy)
            lengths.append(Int32(bytes.count))
            formats.append(1)
        default:
            copies.append(text.map { strdup($0) } ?? nil)
            lengths.append(0)
            formats.append(0)
        }
    }
    return body(copies.map { UnsafePointer($0) }, lengths, formats)
}
