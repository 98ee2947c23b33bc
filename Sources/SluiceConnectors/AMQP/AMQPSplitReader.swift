import SluiceAMQP
import SluiceCore
import SluiceFormats
import SluicePostgres

#if canImport(Glibc)
    import Glibc
#endif

/// Reads one queue: consumes with manual acknowledgements, decodes deliveries into
/// batches, acknowledges what the runtime says is durable, and reconnects with backoff.
///
/// Positions: every delivery gets the next offset of a counter that only grows (it
/// starts after the position the split is resumed at), so positions increase across
/// reconnects and restarts. `pending` maps the offsets read on the *current* channel to
/// their delivery tags. When the connection is lost, `pending` is dropped: those
/// deliveries come back from the broker (marked redelivered) and an acknowledgement for
/// one of their offsets finds no tag: it is dropped, never sent on another channel.
///
/// - Important: The runtime calls `next` and `acknowledge` from the split's one reader
///   thread (`SourceReader`'s law), so the connection has one user; no lock is needed.
final class AMQPSplitReader: SourceReader {
    private let source: String
    private let split: Int
    private let queue: String
    private let options: AMQPSourceOptions
    private let status: AMQPSourceStatus
    private var decoder: AMQPMessageDecoder
    /// The second decoder, for large reads (see `AMQPDecodeAhead`).
    private let ahead: AMQPDecodeAhead
    /// The second of two reads decoded together, handed out by the next call.
    private var stashed: Decoded?

    private var connection: AMQPConnection?
    /// Publishes rejected messages to the dead-letter exchange (its own connection: a
    /// consumer channel cannot wait for confirms without reading deliveries).
    private var deadLetterConnection: AMQPConnection?
    private var nextOffset: Int64
    /// Offsets and delivery tags read on the current channel, not yet acknowledged.
    private var pendingOffsets: [Int64] = []
    private var pendingTags: [UInt64] = []
    private var pendingHead = 0
    private var backoff: Backoff
    private var failures = 0
    private var retryAt: ContinuousClock.Instant?
    private var lastDelivery = ContinuousClock.now
    private var isClosed = false
    private let handoff: AMQPLeaseHandoff
    /// Deliveries an adopted lease received before this reader took its connection.
    private var adopted: [AMQPDelivery] = []

    init(
        source: String, split: Int, options: AMQPSourceOptions, status: AMQPSourceStatus, decoder: JSONBatchDecoder, after: Int64,
        handoff: AMQPLeaseHandoff
    ) {
        self.handoff = handoff
        self.source = source
        self.split = split
        queue = options.queues[split]
        self.options = options
        self.status = status
        self.decoder = AMQPMessageDecoder(decoder: decoder, format: options.format)
        ahead = AMQPDecodeAhead(decoder: AMQPMessageDecoder(decoder: decoder, format: options.format))
        nextOffset = after + 1
        backoff = Backoff(initial: options.reconnectInitial, maximum: options.reconnectMaximum)
    }

    deinit { close() }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        connection?.close()
        connection = nil
        deadLetterConnection?.close()
        deadLetterConnection = nil
    }

    func next(maxRows: Int) throws -> SourceChunk {
        guard !isClosed else { throw SluiceError(.sourceFailed, "split \(split) of '\(source)' is closed") }
        if let decoded = stashed {
            stashed = nil
            return try handOut(decoded)
        }
        guard let connection = try connected() else { return .idle }
        guard let first = try receive(connection, maxRows: maxRows, waitFirst: adopted.isEmpty) else { return .idle }
        if first.isEmpty { return try idle(connection) }
        lastDelivery = ContinuousClock.now
        let firstOffsets = register(first)
        // A large read is decoded on the second thread while this one takes and decodes
        // what has arrived meanwhile; the first is handed out first, the second next call.
        if first.reduce(0, { $0 + $1.body.count }) >= Self.decodeAheadBytes {
            ahead.start(first, offsets: firstOffsets, source: source, split: split)
            let second: [AMQPDelivery]?
            do {
                second = try receive(connection, maxRows: maxRows, waitFirst: false)
            } catch {
                _ = ahead.wait()
                throw error
            }
            guard let second, !second.isEmpty else {
                let decoded = ahead.wait()
                // A lost connection (nil) dropped what was read: it comes back redelivered.
                guard second != nil else { return .idle }
                return try handOut(Decoded(deliveries: first, offsets: firstOffsets, batch: decoded.0, rejections: decoded.1))
            }
            let secondOffsets = register(second)
            let (batch, rejections) = decoder.decode(second, offsets: secondOffsets, source: source, split: split)
            let decoded = ahead.wait()
            stashed = Decoded(deliveries: second, offsets: secondOffsets, batch: batch, rejections: rejections)
            return try handOut(Decoded(deliveries: first, offsets: firstOffsets, batch: decoded.0, rejections: decoded.1))
        }
        let (batch, rejections) = decoder.decode(first, offsets: firstOffsets, source: source, split: split)
        return try handOut(Decoded(deliveries: first, offsets: firstOffsets, batch: batch, rejections: rejections))
    }

    /// Reads of at least this many body bytes are decoded on the second thread (smaller
    /// ones are not worth the hand-over: single-event messages arrive a few at a time).
    static let decodeAheadBytes = 256 << 10

    /// A read, decoded, not yet handed out.
    private struct Decoded {
        var deliveries: [AMQPDelivery]
        var offsets: [Int64]
        var batch: Batch
        var rejections: [Rejection]
    }

    /// Deliveries that have arrived, up to about `maxRows` events; waits a little for the
    /// first when `waitFirst`. Nil when the connection was lost (what it delivered comes
    /// back on the next one).
    private func receive(_ connection: AMQPConnection, maxRows: Int, waitFirst: Bool) throws -> [AMQPDelivery]? {
        var deliveries = adopted
        adopted = []
        let started = ContinuousClock.now
        do {
            // Wait a little for the first delivery, then take what has already arrived.
            // Not with a full window: nothing can arrive before this thread acknowledges,
            // which it does only between reads.
            let windowFull = pendingOffsets.count - pendingHead >= options.prefetch
            var wait = waitFirst && !windowFull ? Duration.milliseconds(50) : .zero
            // Batched bodies hold many events each: bound a read by bytes too (about
            // `maxRows` DAA events), so a batch stays the size the runtime asked for.
            var bytes = deliveries.reduce(0) { $0 + $1.body.count }
            let byteBudget = maxRows * 256
            while deliveries.count < min(maxRows, options.messagesPerRead) && bytes < byteBudget {
                guard let delivery = try connection.nextDelivery(timeout: wait) else { break }
                deliveries.append(delivery)
                bytes += delivery.body.count
                wait = .zero
                if ContinuousClock.now - started > .milliseconds(20) { break }
            }
        } catch let error as AMQPError {
            try lost(error)
            return nil
        }
        return deliveries
    }

    /// Gives `deliveries` their offsets and remembers their tags for acknowledgement.
    private func register(_ deliveries: [AMQPDelivery]) -> [Int64] {
        var offsets: [Int64] = []
        offsets.reserveCapacity(deliveries.count)
        for delivery in deliveries {
            offsets.append(nextOffset)
            pendingOffsets.append(nextOffset)
            pendingTags.append(delivery.deliveryTag)
            nextOffset += 1
        }
        return offsets
    }

    /// Dead-letters a decoded read's rejections, counts it, and hands it to the runtime.
    private func handOut(_ decoded: Decoded) throws -> SourceChunk {
        if !decoded.rejections.isEmpty, options.deadLetterExchange != nil {
            do {
                try publishDeadLetters(decoded.rejections, deliveries: decoded.deliveries, offsets: decoded.offsets)
            } catch {
                // Not acknowledged, so redelivered: dead-lettered again on the next channel.
                try lost(error as? AMQPError ?? AMQPError(.library, operation: "dead-letter", isRetryable: true))
                return .idle
            }
        }
        let redelivered = decoded.deliveries.count { $0.redelivered }
        status.update(split) {
            $0.deliveries += decoded.deliveries.count
            $0.redeliveries += redelivered
            $0.rejected += decoded.rejections.count
        }
        return .data(decoded.batch, rejections: decoded.rejections)
    }

    /// A quarter of the prefetch window is unacknowledged: the broker sends at most
    /// `prefetch`, so an epoch begun now acknowledges before the window runs dry (at one
    /// event per message a 1 s clock let a 10,000 window carry only 10,000 messages a
    /// second). A quarter rather than half: the acknowledgement also waits for the read
    /// in progress, and at half the window still ran dry (71–87 % of the raw consumer
    /// against 82–83 %, quiet, `AMQP 1 event(s)/message`).
    var awaitsAcknowledgement: Bool {
        options.prefetch > 0 && (pendingOffsets.count - pendingHead) * 4 >= options.prefetch
    }

    func acknowledge(upTo position: SourcePosition) throws {
        guard position.source == source, position.split == split else { return }
        var last = pendingHead
        while last < pendingOffsets.count && pendingOffsets[last] <= position.offset { last += 1 }
        guard last > pendingHead else {
            status.update(split) { $0.droppedAcknowledgements += 1 }
            return
        }
        let tag = pendingTags[last - 1]
        let count = last - pendingHead
        pendingHead = last
        if pendingHead > 4096 && pendingHead * 2 > pendingOffsets.count {
            pendingOffsets.removeFirst(pendingHead)
            pendingTags.removeFirst(pendingHead)
            pendingHead = 0
        }
        guard let connection else { return }
        do {
            try connection.acknowledge(tag, multiple: true)
            status.update(split) { $0.acknowledged += count }
        } catch let error as AMQPError {
            // The broker redelivers what this acknowledgement covered; dedupe by id.
            try lost(error)
        }
    }

    // MARK: Connection

    /// The open connection, or a new one when the backoff allows; nil while waiting.
    private func connected() throws -> AMQPConnection? {
        if let connection { return connection }
        if let (active, first) = handoff.take(queue) {
            // The lease's consumer is the active one: keep it (see `AMQPQueueLease`).
            connection = active
            adopted = first
            lastDelivery = ContinuousClock.now
            status.update(split) {
                $0.state = .connected
                $0.connections += 1
            }
            return active
        }
        if let retryAt, ContinuousClock.now < retryAt { return nil }
        do {
            let connection = try AMQPConnection.connect(options.connection)
            if options.declareQueues { try connection.declareQueue(queue, arguments: options.queueArguments) }
            try connection.setPrefetch(options.prefetch)
            try connection.consume(queue)
            self.connection = connection
            failures = 0
            retryAt = nil
            lastDelivery = ContinuousClock.now
            status.update(split) {
                $0.state = .connected
                $0.connections += 1
            }
            return connection
        } catch let error as AMQPError {
            try lost(error)
            return nil
        }
    }

    /// Drops the connection and everything read on it; schedules the next attempt.
    /// - Throws: the error itself when no new connection can help (a refused login, a
    ///   missing queue that is not declared, a bad configuration).
    private func lost(_ error: AMQPError) throws {
        connection?.close()
        connection = nil
        deadLetterConnection?.close()
        deadLetterConnection = nil
        pendingOffsets = []
        pendingTags = []
        pendingHead = 0
        stashed = nil
        guard error.isRetryable else {
            status.update(split) { $0.state = .reconnecting(attempt: failures + 1, error: "\(error)") }
            throw SluiceError(.sourceFailed, "queue '\(queue)': \(error)")
        }
        failures += 1
        retryAt = ContinuousClock.now + .milliseconds(backoff.delayMillis(afterFailures: failures))
        status.update(split) { [failures] in $0.state = .reconnecting(attempt: failures, error: "\(error)") }
    }

    /// Nothing arrived: `.end` when the run is bounded, the queue is empty and has been
    /// quiet for `endWhenIdle`; otherwise `.idle`.
    private func idle(_ connection: AMQPConnection) throws -> SourceChunk {
        guard let quiet = options.endWhenIdle, ContinuousClock.now - lastDelivery >= quiet else { return .idle }
        do {
            let probe = try deadLetters()
            guard try probe.queueCounts(queue).messages == 0 else {
                lastDelivery = ContinuousClock.now  // still messages (prefetch is full): keep reading
                return .idle
            }
        } catch let error as AMQPError {
            try lost(error)
            return .idle
        }
        status.update(split) { $0.state = .ended }
        return .end
    }

    // MARK: Dead letters

    /// The side connection for dead letters and queue counts, opened on first use.
    private func deadLetters() throws -> AMQPConnection {
        if let deadLetterConnection, !deadLetterConnection.isBroken { return deadLetterConnection }
        let side = try AMQPConnection.connect(options.connection)
        try side.confirmSelect()
        deadLetterConnection = side
        return side
    }

    private func publishDeadLetters(_ rejections: [Rejection], deliveries: [AMQPDelivery], offsets: [Int64]) throws {
        guard let exchange = options.deadLetterExchange else { return }
        let side = try deadLetters()
        let first = offsets.first ?? 0
        for rejection in rejections {
            let index = Int((rejection.position?.offset ?? first) - first)
            let delivery = deliveries[max(0, min(index, deliveries.count - 1))]
            var headers: [(String, AMQPFieldValue)] = [
                ("x-sluice-reason", .string(rejection.reason)), ("x-sluice-source", .string(source)),
                ("x-original-exchange", .string(delivery.exchange)), ("x-original-routing-key", .string(delivery.routingKey)),
                ("x-original-queue", .string(queue)),
            ]
            if let pipeline = options.pipeline { headers.append(("x-sluice-pipeline", .string(pipeline))) }
            if let line = rejection.line, decoder.isBatched(delivery) { headers.append(("x-sluice-line", .int(line))) }
            try side.publish(exchange: exchange, routingKey: queue, body: rejection.raw, contentType: nil, headers: headers)
        }
        let nacked = try side.waitForConfirms(timeout: .seconds(30))
        if !nacked.isEmpty { throw AMQPError(.nacked, operation: "dead-letter", isRetryable: true) }
    }
}
