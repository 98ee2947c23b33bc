internal import CRabbitMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One connection to RabbitMQ with one channel (number 1): the only owner of an
/// `amqp_connection_state_t`.
///
/// - Important: Not thread-safe (librabbitmq connections are not): one thread uses a
///   connection at a time. After any error whose `isRetryable` is true the connection is
///   `isBroken`; make a new one (delivery tags of this channel are then meaningless).
public final class AMQPConnection {
    private let state: amqp_connection_state_t
    private let channel: amqp_channel_t = 1
    /// Set after a failure that leaves the connection unusable: `close` then skips the
    /// polite close handshake, which could block on a dead socket.
    public private(set) var isBroken = false
    private var isClosed = false

    // Publisher confirms (after `confirmSelect`).
    private var confirming = false
    /// The sequence number of the last published message (1 is the first).
    public private(set) var publishedSequence: UInt64 = 0
    /// Every message below this sequence number is confirmed (acked or nacked).
    private var lowestUnconfirmed: UInt64 = 1
    private var confirmedAhead = Set<UInt64>()
    /// Sequence numbers the broker nacked since the last `takeNacked()`.
    private var nacked: [ClosedRange<UInt64>] = []

    private init(state: amqp_connection_state_t) { self.state = state }

    deinit { close() }

    /// Opens a connection, logs in and opens channel 1.
    /// - Throws: `AMQPError`: `.connectionFailed` (retryable) when the broker cannot be
    ///   reached; `.connectionClosed` 403 (not retryable) for a refused login.
    public static func connect(_ configuration: AMQPConfiguration) throws -> AMQPConnection {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.library, operation: "connect", serverMessage: "out of memory", isRetryable: false)
        }
        let connection = AMQPConnection(state: state)  // destroys `state` if anything below throws
        var timeout = timeval(configuration.connectTimeout)
        let socket: OpaquePointer?
        if let tls = configuration.tls {
            socket = amqp_ssl_socket_new(state)
            if let socket {
                do {
                    try configureTLS(socket, tls)
                } catch {
                    connection.isBroken = true
                    throw error
                }
            }
        } else {
            socket = amqp_tcp_socket_new(state)
        }
        guard let socket else {
            connection.isBroken = true
            throw AMQPError(.library, operation: "connect", serverMessage: "cannot create a socket", isRetryable: true)
        }
        let opened = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &timeout)
        guard opened == AMQP_STATUS_OK.rawValue else {
            connection.isBroken = true
            throw AMQPError.status(opened, operation: "connect", tls: configuration.tls, host: configuration.host)
        }
        _ = amqp_set_handshake_timeout(state, &timeout)
        // No RPC (declare, qos, close) may wait forever on a broker that stopped answering.
        var rpcTimeout = timeval(.seconds(30))
        _ = amqp_set_rpc_timeout(state, &rpcTimeout)
        let login = sluice_amqp_login_plain(
            state, configuration.virtualHost, 0, 131_072, Int32(configuration.heartbeatSeconds), configuration.user,
            configuration.password)
        if var error = AMQPError.check(login, operation: "login") {
            connection.isBroken = true
            if let tls = configuration.tls, error.code == .connectionFailed {
                error.serverMessage = (error.serverMessage ?? "") + " " + tls.loginFailureHint
            }
            // A refused login is a closed connection with 403: not worth retrying.
            var refused = error
            if refused.replyCode == 403 || login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
                && login.library_error == AMQP_STATUS_CONNECTION_CLOSED.rawValue
            {
                refused.isRetryable = error.replyCode != 403
            }
            throw refused
        }
        amqp_channel_open(state, connection.channel)
        try connection.checkRPC("channel.open")
        return connection
    }

    /// Closes the channel and connection politely when the connection still works, then
    /// frees it. Safe to call twice.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        if !isBroken {
            _ = amqp_channel_close(state, channel, Int32(AMQP_REPLY_SUCCESS))
            _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        }
        amqp_destroy_connection(state)
    }

    // MARK: Topology

    /// Declares a queue (durable unless `durable` is false) and returns its counts.
    @discardableResult
    public func declareQueue(
        _ name: String, durable: Bool = true, passive: Bool = false, arguments: [(String, AMQPFieldValue)] = []
    ) throws -> (messages: Int, consumers: Int) {
        let ok = withAMQPTable(arguments) { table in
            name.withCString { amqp_queue_declare(state, channel, amqp_cstring_bytes($0), passive ? 1 : 0, durable ? 1 : 0, 0, 0, table) }
        }
        try checkRPC("queue.declare")
        guard let ok else { return (0, 0) }
        return (Int(ok.pointee.message_count), Int(ok.pointee.consumer_count))
    }

    /// The ready messages and consumers of an existing queue (a passive declare).
    public func queueCounts(_ name: String) throws -> (messages: Int, consumers: Int) {
        try declareQueue(name, passive: true)
    }

    /// Declares an exchange of `type` (`direct`, `topic`, `fanout`, `x-consistent-hash`).
    public func declareExchange(_ name: String, type: String, durable: Bool = true, arguments: [(String, AMQPFieldValue)] = []) throws {
        withAMQPTable(arguments) { table in
            name.withCString { exchange in
                type.withCString { kind in
                    _ = amqp_exchange_declare(
                        state, channel, amqp_cstring_bytes(exchange), amqp_cstring_bytes(kind), 0, durable ? 1 : 0, 0, 0, table)
                }
            }
        }
        try checkRPC("exchange.declare")
    }

    /// Binds `queue` to `exchange` with `routingKey` (a weight for a consistent-hash exchange).
    public func bindQueue(_ queue: String, exchange: String, routingKey: String) throws {
        queue.withCString { q in
            exchange.withCString { e in
                routingKey.withCString { k in
                    _ = amqp_queue_bind(state, channel, amqp_cstring_bytes(q), amqp_cstring_bytes(e), amqp_cstring_bytes(k), amqp_empty_table)
                }
            }
        }
        try checkRPC("queue.bind")
    }

    /// Deletes a queue (tests and tools).
    public func deleteQueue(_ name: String) throws {
        _ = name.withCString { amqp_queue_delete(state, channel, amqp_cstring_bytes($0), 0, 0) }
        try checkRPC("queue.delete")
    }

    /// Deletes an exchange (tests and tools).
    public func deleteExchange(_ name: String) throws {
        _ = name.withCString { amqp_exchange_delete(state, channel, amqp_cstring_bytes($0), 0) }
        try checkRPC("exchange.delete")
    }

    /// Removes the ready messages of a queue (tests and tools).
    public func purgeQueue(_ name: String) throws {
        _ = name.withCString { amqp_queue_purge(state, channel, amqp_cstring_bytes($0)) }
        try checkRPC("queue.purge")
    }

    // MARK: Consuming

    /// Sets how many unacknowledged deliveries the broker sends this channel at most.
    public func setPrefetch(_ count: Int) throws {
        amqp_basic_qos(state, channel, 0, UInt16(clamping: count), 0)
        try checkRPC("basic.qos")
    }

    /// Starts consuming `queue` with manual acknowledgements.
    public func consume(_ queue: String) throws {
        _ = queue.withCString {
            amqp_basic_consume(state, channel, amqp_cstring_bytes($0), amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
        }
        try checkRPC("basic.consume")
    }

    /// The next delivery, or nil when none arrives within `timeout`.
    /// - Throws: `AMQPError` when the channel or connection closed or broke.
    public func nextDelivery(timeout: Duration) throws -> AMQPDelivery? {
        try requireUsable("basic.consume")
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var wait = timeval(timeout)
        let reply = amqp_consume_message(state, &envelope, &wait, 0)
        if reply.reply_type == AMQP_RESPONSE_NORMAL {
            defer { amqp_destroy_envelope(&envelope) }
            let properties = envelope.message.properties
            let hasType = properties._flags & sluice_amqp_flag_content_type != 0
            let hasHeaders = properties._flags & sluice_amqp_flag_headers != 0
            return AMQPDelivery(
                deliveryTag: envelope.delivery_tag, redelivered: envelope.redelivered != 0, exchange: envelope.exchange.string,
                routingKey: envelope.routing_key.string, contentType: hasType ? properties.content_type.string : nil,
                headers: hasHeaders ? stringEntries(of: properties.headers) : [:], body: envelope.message.body.array)
        }
        if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION {
            if reply.library_error == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            if reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue {
                try handleUnexpectedFrame()
                return nil
            }
        }
        throw fail(AMQPError.check(reply, operation: "basic.consume") ?? AMQPError(.library, operation: "basic.consume", isRetryable: true))
    }

    /// Acknowledges `deliveryTag` (and with `multiple` every earlier one of this channel).
    public func acknowledge(_ deliveryTag: UInt64, multiple: Bool) throws {
        try requireUsable("basic.ack")
        let status = amqp_basic_ack(state, channel, deliveryTag, multiple ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else { throw fail(AMQPError.status(status, operation: "basic.ack")) }
    }

    /// Rejects `deliveryTag`, requeueing it when `requeue` (tests).
    public func reject(_ deliveryTag: UInt64, requeue: Bool) throws {
        try requireUsable("basic.reject")
        let status = amqp_basic_reject(state, channel, deliveryTag, requeue ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else { throw fail(AMQPError.status(status, operation: "basic.reject")) }
    }

    /// A frame that is not a delivery arrived while consuming: a close from the broker
    /// (thrown), a consumer cancellation (the queue was deleted: thrown), or something to
    /// skip.
    private func handleUnexpectedFrame() throws {
        var frame = amqp_frame_t()
        let status = amqp_simple_wait_frame(state, &frame)
        guard status == AMQP_STATUS_OK.rawValue else { throw fail(AMQPError.status(status, operation: "basic.consume")) }
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        try handleMethod(frame.payload.method, operation: "basic.consume")
    }

    private func handleMethod(_ method: amqp_method_t, operation: String) throws {
        switch method.id {
        case sluice_amqp_channel_close_method, sluice_amqp_connection_close_method:
            throw fail(AMQPError.serverClose(method: method.id, decoded: method.decoded, operation: operation))
        case sluice_amqp_basic_cancel_method:
            throw fail(AMQPError(.channelClosed, operation: operation, serverMessage: "the broker cancelled the consumer", isRetryable: true))
        case sluice_amqp_basic_ack_method:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirm(ack.delivery_tag, multiple: ack.multiple != 0, nacked: false)
        case sluice_amqp_basic_nack_method:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            confirm(nack.delivery_tag, multiple: nack.multiple != 0, nacked: true)
        default:
            break  // basic.return of an unroutable message, connection.blocked...: nothing to do here
        }
    }

    // MARK: Publishing

    /// Puts the channel in confirm mode: every later publish is acked or nacked by the broker.
    public func confirmSelect() throws {
        amqp_confirm_select(state, channel)
        try checkRPC("confirm.select")
        confirming = true
    }

    /// Publishes one message (persistent unless told otherwise). In confirm mode it gets
    /// the next sequence number (`publishedSequence`).
    public func publish(
        exchange: String, routingKey: String, body: UnsafeRawBufferPointer, contentType: String? = "application/json",
        persistent: Bool = true, headers: [(String, AMQPFieldValue)] = []
    ) throws {
        try requireUsable("basic.publish")
        let status: Int32 = withAMQPTable(headers) { table in
            var properties = amqp_basic_properties_t()
            properties._flags = sluice_amqp_flag_delivery_mode
            properties.delivery_mode = persistent ? 2 : 1
            if !headers.isEmpty {
                properties._flags |= sluice_amqp_flag_headers
                properties.headers = table
            }
            let send = { (properties: UnsafePointer<amqp_basic_properties_t>) -> Int32 in
                exchange.withCString { e in
                    routingKey.withCString { k in
                        amqp_basic_publish(
                            self.state, self.channel, amqp_cstring_bytes(e), amqp_cstring_bytes(k), 0, 0, properties,
                            amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
                    }
                }
            }
            if let contentType {
                return contentType.withCString { type in
                    properties._flags |= sluice_amqp_flag_content_type
                    properties.content_type = amqp_cstring_bytes(type)
                    return send(&properties)
                }
            }
            return send(&properties)
        }
        guard status == AMQP_STATUS_OK.rawValue else { throw fail(AMQPError.status(status, operation: "basic.publish")) }
        if confirming { publishedSequence += 1 }
    }

    /// Publishes `body` given as bytes.
    public func publish(
        exchange: String, routingKey: String, body: [UInt8], contentType: String? = "application/json", persistent: Bool = true,
        headers: [(String, AMQPFieldValue)] = []
    ) throws {
        try body.withUnsafeBytes {
            try publish(
                exchange: exchange, routingKey: routingKey, body: $0, contentType: contentType, persistent: persistent,
                headers: headers)
        }
    }

    /// Reads the confirmations that already arrived, without waiting.
    public func pollConfirms() throws {
        while true {
            guard try readConfirmFrame(timeout: .zero) else { return }
        }
    }

    /// Waits until every message published so far is acked or nacked.
    /// - Returns: the sequence numbers nacked since the previous call (to publish again).
    /// - Throws: `AMQPError` `.timeout` when confirmations are still missing after
    ///   `timeout`; a connection error when it broke (then nothing is known: publish again).
    public func waitForConfirms(timeout: Duration) throws -> [ClosedRange<UInt64>] {
        precondition(confirming, "waitForConfirms needs confirmSelect")
        let deadline = ContinuousClock.now + timeout
        while lowestUnconfirmed <= publishedSequence {
            let left = deadline - ContinuousClock.now
            if left <= .zero {
                throw AMQPError(
                    .timeout, operation: "confirm",
                    serverMessage: "\(publishedSequence - lowestUnconfirmed + 1) messages unconfirmed", isRetryable: true)
            }
            _ = try readConfirmFrame(timeout: left)
        }
        defer { nacked = [] }
        return nacked
    }

    /// Reads one frame if one arrives within `timeout`; false when none did.
    private func readConfirmFrame(timeout: Duration) throws -> Bool {
        try requireUsable("confirm")
        var frame = amqp_frame_t()
        var wait = timeval(timeout)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return false }
        guard status == AMQP_STATUS_OK.rawValue else { throw fail(AMQPError.status(status, operation: "confirm")) }
        if frame.frame_type == UInt8(AMQP_FRAME_METHOD) { try handleMethod(frame.payload.method, operation: "confirm") }
        return true
    }

    private func confirm(_ tag: UInt64, multiple: Bool, nacked isNack: Bool) {
        if multiple {
            if isNack, tag >= lowestUnconfirmed { nacked.append(lowestUnconfirmed...tag) }
            if tag >= lowestUnconfirmed { lowestUnconfirmed = tag + 1 }
            if !confirmedAhead.isEmpty { confirmedAhead = confirmedAhead.filter { $0 > tag } }
        } else {
            if isNack { nacked.append(tag...tag) }
            if tag == lowestUnconfirmed {
                lowestUnconfirmed += 1
            } else if tag > lowestUnconfirmed {
                confirmedAhead.insert(tag)
            }
        }
        while confirmedAhead.remove(lowestUnconfirmed) != nil { lowestUnconfirmed += 1 }
    }

    // MARK: Errors

    private func requireUsable(_ operation: String) throws {
        guard !isBroken, !isClosed else {
            throw AMQPError(.connectionFailed, operation: operation, serverMessage: "the connection is closed", isRetryable: true)
        }
    }

    /// Marks the connection broken for errors that end it (anything but a refused request
    /// on a working connection is treated so: a channel close ends our only channel too).
    private func fail(_ error: AMQPError) -> AMQPError {
        isBroken = true
        return error
    }

    private func checkRPC(_ operation: String) throws {
        if let error = AMQPError.check(amqp_get_rpc_reply(state), operation: operation) { throw fail(error) }
    }
}

extension timeval {
    /// A `timeval` of `duration` (negative as zero).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, attoseconds / 1_000_000_000_000)
        self.init(tv_sec: max(0, Int(seconds)), tv_usec: Int(micros))
    }
}
