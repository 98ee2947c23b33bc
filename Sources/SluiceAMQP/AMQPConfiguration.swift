#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How to reach a RabbitMQ broker.
///
/// The password never comes from a pipeline file or URI (they end up in process lists and
/// logs): it is given here, read by `AMQPConfiguration.password(file:environment:user:)`
/// from a secrets file or the `AMQP_PASSWORD` environment variable.
public struct AMQPConfiguration: Sendable, Equatable {
    /// TLS settings for `amqps://`.
    public struct TLS: Sendable, Equatable {
        /// A PEM file of the certificate authorities to trust (default: none loaded; set it).
        public var caCertificate: String?
        /// A PEM client certificate and its key, for brokers that check clients.
        public var clientCertificate: String?
        public var clientKey: String?
        /// Check the broker's certificate and host name (on unless turned off explicitly).
        public var verify: Bool

        public init(caCertificate: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil, verify: Bool = true) {
            self.caCertificate = caCertificate
            self.clientCertificate = clientCertificate
            self.clientKey = clientKey
            self.verify = verify
        }
    }

    public var host: String
    public var port: Int
    public var virtualHost: String
    public var user: String
    public var password: String
    /// nil: plain TCP.
    public var tls: TLS?
    /// Seconds between heartbeats (0: none). A dead broker is noticed after about twice this.
    public var heartbeatSeconds: Int
    /// How long connecting (socket, TLS, login) may take.
    public var connectTimeout: Duration

    public init(
        host: String = "localhost", port: Int? = nil, virtualHost: String = "/", user: String = "guest",
        password: String = "guest", tls: TLS? = nil, heartbeatSeconds: Int = 30, connectTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port ?? (tls == nil ? 5672 : 5671)
        self.virtualHost = virtualHost
        self.user = user
        self.password = password
        self.tls = tls
        self.heartbeatSeconds = heartbeatSeconds
        self.connectTimeout = connectTimeout
    }

    /// The password for `user`: the content of `file` (trailing newlines removed, as
    /// container secrets are mounted), else `AMQP_PASSWORD` from `environment`, else
    /// `guest` for the `guest` user (RabbitMQ's default account, loopback only).
    /// - Throws: `AMQPError` `.invalidConfiguration` when the file cannot be read or no
    ///   password is configured for another user.
    public static func password(file: String?, environment: [String: String], user: String) throws -> String {
        if let file {
            guard let handle = fopen(file, "rb") else {
                throw AMQPError(
                    .invalidConfiguration, operation: "configure",
                    serverMessage: "cannot read the password file \(file) (errno \(errno))", isRetryable: false)
            }
            defer { fclose(handle) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = fread(&buffer, 1, buffer.count, handle)
                bytes.append(contentsOf: buffer[0..<n])
                if n < buffer.count { break }
            }
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
            guard !bytes.isEmpty, !bytes.contains(0) else {
                throw AMQPError(
                    .invalidConfiguration, operation: "configure", serverMessage: "the password file \(file) is empty or not text",
                    isRetryable: false)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        if let password = environment["AMQP_PASSWORD"], !password.isEmpty { return password }
        if user == "guest" { return "guest" }
        throw AMQPError(
            .invalidConfiguration, operation: "configure",
            serverMessage: "no password for user \(user): set AMQP_PASSWORD or password_file=", isRetryable: false)
    }
}
