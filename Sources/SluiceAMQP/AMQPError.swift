internal import CRabbitMQ

/// An error from RabbitMQ or librabbitmq, with what a caller needs to decide what to do.
///
/// Every librabbitmq failure becomes one of these in exactly one place
/// (`AMQPError.check(_:operation:)` for RPC replies, `AMQPError.status(_:operation:)` for
/// status codes).
///
/// - `isRetryable` separates trouble a new connection can get past (the socket broke, the
///   broker closed the connection or channel because it is shutting down, a timeout, a
///   nacked publish) from errors that repeat forever (a bad password, a missing queue, a
///   refused declaration, a bad configuration).
/// - `description` names the operation, the code and the broker's reply code; the broker's
///   reply text is in `serverMessage` (it can name queues, never payloads).
public struct AMQPError: Error, Sendable, CustomStringConvertible {
    /// Which part failed. New codes may be added; match the ones you handle.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidConfiguration, connectionFailed, connectionClosed, channelClosed, timeout, nacked, library
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The URI or a setting cannot be used (no password, an unreadable secrets file).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// No connection could be made (socket, TLS, login), or an open one broke.
        public static let connectionFailed = Code(.connectionFailed)
        /// The broker closed the connection (`replyCode` says why: 320 shutdown, 403 access...).
        public static let connectionClosed = Code(.connectionClosed)
        /// The broker closed the channel (404 no such queue, 406 precondition failed...).
        public static let channelClosed = Code(.channelClosed)
        /// A wait for the broker's answer ran out.
        public static let timeout = Code(.timeout)
        /// The broker refused (nacked) published messages.
        public static let nacked = Code(.nacked)
        /// librabbitmq reported another failure.
        public static let library = Code(.library)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The wrapper call that failed, e.g. `connect`, `queue.declare`, `publish`.
    public var operation: String
    /// The AMQP reply code of a connection or channel close (320, 404, 406...).
    public var replyCode: Int?
    /// The broker's reply text or librabbitmq's error string.
    public var serverMessage: String?
    /// True when a later attempt, on a new connection, may succeed.
    public var isRetryable: Bool
    public var file: String
    public var line: Int

    public init(
        _ code: Code, operation: String, replyCode: Int? = nil, serverMessage: String? = nil, isRetryable: Bool,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.operation = operation
        self.replyCode = replyCode
        self.serverMessage = serverMessage
        self.isRetryable = isRetryable
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "AMQP \(operation) failed (\(code)"
        if let replyCode { text += " \(replyCode)" }
        text += ")"
        if let serverMessage { text += ": \(serverMessage)" }
        return text
    }

    /// Reply codes after which the same request on a new connection can succeed: 320
    /// connection-forced (broker shutting down or restarted), 541 internal error, 505/501
    /// frame errors, 504 channel error (usually a race with a closing connection).
    static func retryable(replyCode: Int) -> Bool { [320, 501, 504, 505, 541].contains(replyCode) }

    /// A failed socket open: over TLS, the status is explained in terms of `tls`.
    static func status(_ status: Int32, operation: String, tls: AMQPConfiguration.TLS?, host: String) -> AMQPError {
        var error = Self.status(status, operation: operation)
        if let explained = tls?.explain(status: status, host: host) {
            error.serverMessage = explained + " [" + (error.serverMessage ?? "") + "]"
        }
        return error
    }

    /// The one translation of a librabbitmq status code (`AMQP_STATUS_*`).
    static func status(_ status: Int32, operation: String, file: String = #fileID, line: Int = #line) -> AMQPError {
        let message = String(cString: amqp_error_string2(status))
        if status == AMQP_STATUS_TIMEOUT.rawValue {
            return AMQPError(.timeout, operation: operation, serverMessage: message, isRetryable: true, file: file, line: line)
        }
        // Socket, TLS, heartbeat and protocol-state failures all mean a broken connection.
        let fatalConfiguration: Set<Int32> = [
            AMQP_STATUS_INVALID_PARAMETER.rawValue, AMQP_STATUS_BAD_URL.rawValue,
        ]
        if fatalConfiguration.contains(status) {
            return AMQPError(.invalidConfiguration, operation: operation, serverMessage: message, isRetryable: false, file: file, line: line)
        }
        return AMQPError(.connectionFailed, operation: operation, serverMessage: message, isRetryable: true, file: file, line: line)
    }

    /// The one translation of an RPC reply; nil when it is a success.
    static func check(_ reply: amqp_rpc_reply_t, operation: String, file: String = #fileID, line: Int = #line) -> AMQPError? {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return nil
        case AMQP_RESPONSE_NONE:
            return AMQPError(.library, operation: operation, serverMessage: "no reply", isRetryable: true, file: file, line: line)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return status(reply.library_error, operation: operation, file: file, line: line)
        default:  // AMQP_RESPONSE_SERVER_EXCEPTION
            return serverClose(method: reply.reply.id, decoded: reply.reply.decoded, operation: operation, file: file, line: line)
        }
    }

    /// A channel.close or connection.close method the broker sent.
    static func serverClose(
        method: amqp_method_number_t, decoded: UnsafeMutableRawPointer?, operation: String, file: String = #fileID,
        line: Int = #line
    ) -> AMQPError {
        if method == sluice_amqp_connection_close_method, let decoded {
            let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let code = Int(close.reply_code)
            return AMQPError(
                .connectionClosed, operation: operation, replyCode: code, serverMessage: close.reply_text.string,
                isRetryable: retryable(replyCode: code) || code == 320, file: file, line: line)
        }
        if method == sluice_amqp_channel_close_method, let decoded {
            let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let code = Int(close.reply_code)
            return AMQPError(
                .channelClosed, operation: operation, replyCode: code, serverMessage: close.reply_text.string,
                isRetryable: retryable(replyCode: code), file: file, line: line)
        }
        return AMQPError(
            .library, operation: operation, serverMessage: "unexpected method 0x\(String(method, radix: 16))",
            isRetryable: true, file: file, line: line)
    }
}

extension amqp_bytes_t {
    /// The bytes as a String (UTF-8, lossy), copied out of librabbitmq's memory.
    var string: String {
        guard len > 0, let bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }

    /// The bytes copied out of librabbitmq's memory.
    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }
}
