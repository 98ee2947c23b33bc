internal import CLibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How to reach a PostgreSQL database.
///
/// The URI names the server, user and database:
/// `postgres://user@host:port/db?sslmode=require&connect_timeout=5` (any libpq URI
/// parameter works). It must not hold a password: URIs end up in pipeline files, process
/// lists and logs. The password comes, in this order, from `passwordFile` (a file holding
/// only the password, as container secrets are mounted), `PGPASSWORD`, or the libpq
/// password file (`PGPASSFILE`, default `~/.pgpass`), which libpq reads itself.
public struct PostgresConfiguration: Sendable, Equatable {
    /// A libpq connection URI without a password.
    public var uri: String
    /// A file whose content (trailing newlines removed) is the password.
    public var passwordFile: String?
    /// `statement_timeout` set on every new connection: a statement running longer is
    /// cancelled by the server (SQLSTATE 57014), so a stuck lock cannot hang a worker.
    public var statementTimeout: Duration
    /// `application_name` when the URI sets none, so `pg_stat_activity` shows who is connected.
    public var applicationName: String
    /// `connect_timeout` when neither the URI nor `PGCONNECT_TIMEOUT` sets one: libpq's own
    /// default is to wait for the operating system, minutes for a host that drops packets,
    /// and every commit waits behind a connection attempt.
    public var connectTimeout: Duration

    public init(
        uri: String, passwordFile: String? = nil, statementTimeout: Duration = .seconds(10),
        applicationName: String = "sluice", connectTimeout: Duration = .seconds(10)
    ) {
        self.uri = uri
        self.passwordFile = passwordFile
        self.statementTimeout = statementTimeout
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
    }

    /// Checks the URI without connecting: it parses, it is a `postgres://` or
    /// `postgresql://` URI, and it has no password.
    ///
    /// - Throws: `PostgresError` `.invalidConfiguration` saying which rule is broken (never
    ///   repeating the URI, which may hold a password).
    public func validate() throws {
        guard uri.hasPrefix("postgres://") || uri.hasPrefix("postgresql://") else {
            throw PostgresError(
                .invalidConfiguration, operation: "configure",
                reason: "the connection must be a postgres:// or postgresql:// URI")
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(uri, &errorMessage) else {
            defer { if let errorMessage { PQfreemem(errorMessage) } }
            // libpq's message quotes the faulty part; keep it out of `description`.
            throw PostgresError(
                .invalidConfiguration, operation: "configure", reason: "the URI does not parse",
                serverMessage: errorMessage.map { String(cString: $0) })
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val, value.pointee != 0 {
                throw PostgresError(
                    .invalidConfiguration, operation: "configure",
                    reason: "the URI holds a password; remove it and set PGPASSWORD, PGPASSFILE or a password file")
            }
            option += 1
        }
    }

    /// `statementTimeout` in whole milliseconds (at least 1; 0 would mean no timeout).
    var statementTimeoutMillis: Int64 {
        let (seconds, attoseconds) = statementTimeout.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// `connectTimeout` in whole seconds, as libpq takes it (at least 2: libpq treats 1 as 2).
    var connectTimeoutSeconds: Int64 { max(2, connectTimeout.components.seconds) }

    /// The password from `passwordFile`, or nil when none is configured.
    func passwordFromFile() throws -> String? {
        guard let passwordFile else { return nil }
        guard let file = fopen(passwordFile, "rb") else {
            throw PostgresError(
                .invalidConfiguration, operation: "configure",
                reason: "cannot read the password file \(passwordFile) (errno \(errno))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            bytes.append(contentsOf: buffer[0..<n])
            if n < buffer.count { break }
        }
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty, !bytes.contains(0) else {
            throw PostgresError(
                .invalidConfiguration, operation: "configure",
                reason: "the password file \(passwordFile) is empty or not text")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
