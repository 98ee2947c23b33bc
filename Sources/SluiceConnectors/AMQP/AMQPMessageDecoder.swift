import SluiceAMQP
import SluiceCore
import SluiceFormats

/// Turns deliveries into one batch: single-event bodies through `decodeMessages`,
/// NDJSON bodies (many events) through `decodeLines`. Every event of a message carries
/// the message's position, so it is acknowledged when all of them are durable; a bad
/// event is rejected alone (with its line in the message), the good ones around it pass.
struct AMQPMessageDecoder {
    var decoder: JSONBatchDecoder
    let format: AMQPSourceOptions.BodyFormat
    /// The bodies of one read's batched messages, one after another.
    private var joined: [UInt8] = []

    init(decoder: JSONBatchDecoder, format: AMQPSourceOptions.BodyFormat) {
        self.decoder = decoder
        self.format = format
    }

    func isBatched(_ delivery: AMQPDelivery) -> Bool {
        switch format {
        case .json: false
        case .ndjson: true
        case .auto: delivery.contentType == "application/x-ndjson"
        }
    }

    /// Decodes `deliveries` (in order) whose positions are `offsets`.
    mutating func decode(_ deliveries: [AMQPDelivery], offsets: [Int64], source: String, split: Int) -> (Batch, [Rejection]) {
        var parts: [Batch] = []
        var rejections: [Rejection] = []
        var start = 0
        // Runs of one kind keep the events in delivery order.
        while start < deliveries.count {
            let batched = isBatched(deliveries[start])
            var end = start + 1
            while end < deliveries.count && isBatched(deliveries[end]) == batched { end += 1 }
            let positions = offsets[start..<end].map { SourcePosition(source: source, split: split, offset: $0) }
            let (batch, rejected) =
                batched
                ? decodeLines(deliveries[start..<end], positions: positions)
                : decoder.decodeMessages(deliveries[start..<end].map(\.body), positions: positions)
            parts.append(batch)
            rejections += rejected
            start = end
        }
        var batch = parts.count == 1 ? parts[0] : Batch.concat(parts, schema: decoder.schema)
        batch.position = SourcePosition(source: source, split: split, offset: offsets.last ?? 0)
        return (batch, rejections)
    }

    /// NDJSON bodies joined into one buffer (a newline after each), decoded as lines;
    /// rejections are given back their message's position and their line in it.
    ///
    /// The buffer is kept between calls (its pages stay mapped), and lines are counted
    /// only when some event was rejected: both showed in the profile of a single queue,
    /// whose one reader thread is the pipeline's limit.
    private mutating func decodeLines(_ deliveries: ArraySlice<AMQPDelivery>, positions: [SourcePosition]) -> (Batch, [Rejection]) {
        joined.removeAll(keepingCapacity: true)
        joined.reserveCapacity(deliveries.reduce(0) { $0 + $1.body.count + 1 })
        for delivery in deliveries {
            joined += delivery.body
            if delivery.body.last != 0x0A { joined.append(0x0A) }
        }
        var (batch, rejections) = joined.withUnsafeBytes {
            // baseOffset 1: a byte order mark is stripped only at the start of a message
            // (not at all here); positions are replaced below anyway.
            decoder.decodeLines($0, firstLine: 1, source: positions[0].source, split: positions[0].split, baseOffset: 1)
        }
        if !rejections.isEmpty {
            // firstLines[i]: the 1-based line of the joined buffer where message i starts.
            var firstLines: [Int64] = []
            var line: Int64 = 1
            for delivery in deliveries {
                firstLines.append(line)
                line += Int64(delivery.body.count { $0 == 0x0A }) + (delivery.body.last != 0x0A ? 1 : 0)
            }
            for i in rejections.indices {
                let at = rejections[i].line ?? 1
                var message = 0
                while message + 1 < firstLines.count && firstLines[message + 1] <= at { message += 1 }
                rejections[i].position = positions[message]
                rejections[i].line = at - firstLines[message] + 1
            }
        }
        batch.position = positions.last
        return (batch, rejections)
    }
}
