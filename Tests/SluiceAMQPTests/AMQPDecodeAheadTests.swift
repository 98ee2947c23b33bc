import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Testing

/// Large reads of batched bodies are decoded on a second thread while the reader decodes
/// the next one (`AMQPDecodeAhead`): what the reader hands out must still be every event
/// once, in publishing order, with increasing positions, and a bad line still rejected
/// alone with its line in its message.
@Suite(.serialized) struct AMQPDecodeAheadTests {
    @Test(.timeLimit(.minutes(5)))
    func largeReadsDecodedOnTwoThreadsComeOutInOrderAndWhole() throws {
        let queue = try AMQPTestBroker.freshQueue("decode-ahead")
        let messages = 40
        let perMessage = 2_000
        var bodies: [[UInt8]] = []
        for m in 0..<messages {
            var lines: [String] = []
            for e in 0..<perMessage {
                let n = m * perMessage + e
                // One bad line (a string value) in message 7.
                let value = m == 7 && e == 11 ? "\"bad\"" : "\(n)"
                lines.append(#"{"id":"e-\#(n)","n":\#(value),"pad":"\#(String(repeating: "x", count: 100))"}"#)
            }
            bodies.append(Array(lines.joined(separator: "\n").utf8))
        }
        try AMQPTestBroker.publish(bodies, to: queue, contentType: "application/x-ndjson")

        var options = AMQPSourceOptions(connection: try AMQPTestBroker.configuration(), queues: [queue], prefetch: 1_000)
        options.declareQueues = false
        options.endWhenIdle = .seconds(1)
        let source = try AMQPSource(
            name: "events", schema: Schema([Field("id", .string), Field("n", .int64)]), required: ["id", "n"], options: options)
        let reader = try source.openSplit(0, resumingAfter: nil)
        defer { reader.close() }

        var ids: [Int] = []
        var positions: [Int64] = []
        var rejections: [Rejection] = []
        let deadline = Date().addingTimeInterval(120)
        reading: while Date() < deadline {
            switch try reader.next(maxRows: 8_192) {
            case .data(let batch, let rejected):
                let column = try #require(batch.column(named: "id"))
                for row in 0..<batch.count { ids.append(Int(column.string(at: row)?.dropFirst(2) ?? "") ?? -1) }
                rejections += rejected
                if let position = batch.position {
                    positions.append(position.offset)
                    try reader.acknowledge(upTo: position)
                }
            case .idle: continue
            case .end: break reading
            }
        }
        let bad = 7 * perMessage + 11
        let expected = Array(0..<messages * perMessage).filter { $0 != bad }
        let firstWrong = zip(ids, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(ids.count == expected.count && firstWrong == nil, "\(ids.count) events, first out of place: \(String(describing: firstWrong))")
        #expect(positions == positions.sorted() && Set(positions).count == positions.count)
        #expect(positions.last == Int64(messages))
        #expect(rejections.count == 1)
        #expect(rejections.first?.position?.offset == 8 && rejections.first?.line == 12, "\(rejections)")
        #expect(source.status.snapshot[0].deliveries == messages)
        try waitFor("every message acknowledged") { try AMQPTestBroker.counts(queue) == (0, 0) }
    }
}
