import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// Every kind of bad input of daa-events.md, sent as messages (and as lines of a batched
/// NDJSON body) between good events: each lands in the dead letters with its reason —
/// the pipeline's `dead_letter` output on RabbitMQ and the source's dead-letter exchange
/// (which adds the original exchange and routing key) — and every good event is archived.
@Suite(.serialized) struct AMQPDeadLetterTests {
    /// A bad message and a word its reason must contain.
    static let malformed: [(body: [UInt8], reason: String)] = [
        (Array("not json at all".utf8), "invalid JSON"),
        (Array("[1,2,3]".utf8), "expected an object"),
        (Array(#"{"id":"m1","type":"metric","ts":1764000000000,"metric":"cpu_pct","value":1}"#.utf8), "agent_id"),
        (Array(#"{"id":"m2","agent_id":"agent-1","ts":1764000000000,"metric":"cpu_pct","value":1}"#.utf8), "type"),
        (Array(#"{"id":"m3","type":"metric","agent_id":"agent-1","metric":"cpu_pct","value":1}"#.utf8), "ts"),
        (Array(#"{"id":"m4","type":"metric","agent_id":"agent-1","ts":1764000000000,"metric":"cpu_pct","value":"12"}"#.utf8), "value"),
        (Array(#"{"id":"m5","type":"metric","agent_id":"agent-1","ts":"yesterday","metric":"cpu_pct","value":1}"#.utf8), "ts"),
        (Array(#"{"id":"m6","type":"metric","agent_id":"agent-1","ts":1764000000000,"metric":"cpu_pct","value":NaN}"#.utf8), "invalid JSON"),
        (Array(#"{"id":"m7","type":"metric","agent_id":"agent-1","ts":1764000000000,"metric":"cpu_pct","value":Infinity}"#.utf8), "invalid JSON"),
        (Array(#"{"id":"m8","type":"metric","agent_id":"agent-"#.utf8) + [0xC3, 0x28] + Array(#"","ts":1764000000000,"metric":"x","value":1}"#.utf8), "UTF-8"),
        ([], "empty record"),
        (Array(#"{"id":"m9","type":"metric","agent_id":"agent-1","ts":1764000000000,"pad":""#.utf8) + [UInt8](repeating: 0x61, count: 3 << 20) + Array(#""}"#.utf8), "exceeds"),
        (Array(#"{"id":"m10","type":"agent.exploded","agent_id":"agent-1","ts":1764000000000}"#.utf8), "unknown event type"),
        (Array(#"{"id":"m11","type":"metric","agent_id":"agent-1","ts":86400000,"metric":"cpu_pct","value":1}"#.utf8), "ts"),
        (Array(#"{"id":"m12","type":"metric","agent_id":"agent-1","ts":9999999999999,"metric":"cpu_pct","value":1}"#.utf8), "ts"),
    ]

    static func good(_ n: Int) -> [UInt8] {
        Array(#"{"id":"good-\#(n)","type":"metric","agent_id":"agent-\#(n % 7)","ts":\#(1_764_000_000_000 + Int64(n) * 10),"metric":"cpu_pct","value":\#(n)}"#.utf8)
    }

    /// Drains `queue`: each message's body and string headers.
    static func drain(_ queue: String, expecting count: Int, wait: Duration = .seconds(10)) throws -> [AMQPDelivery] {
        let connection = try AMQPTestBroker.connect()
        defer { connection.close() }
        try connection.consume(queue)
        var deliveries: [AMQPDelivery] = []
        while deliveries.count < count, let delivery = try connection.nextDelivery(timeout: wait) {
            deliveries.append(delivery)
            try connection.acknowledge(delivery.deliveryTag, multiple: false)
        }
        return deliveries
    }

    @Test(arguments: [false, true])
    func everyKindOfBadInputIsDeadLetteredWithItsReasonAndTheGoodEventsAroundItPass(batched: Bool) throws {
        let queue = try AMQPTestBroker.freshQueue("bad-input")
        let deadQueue = AMQPTestBroker.uniqueName("dead")
        let exchangeQueue = AMQPTestBroker.uniqueName("dlx")
        let exchange = AMQPTestBroker.uniqueName("dlx")
        do {
            let connection = try AMQPTestBroker.connect()
            defer { connection.close() }
            try connection.declareExchange(exchange, type: "fanout", durable: false)
            try connection.declareQueue(exchangeQueue)
            try connection.bindQueue(exchangeQueue, exchange: exchange, routingKey: "")
        }
        // good 0, bad 0, good 1, bad 1, ..., good n; and one event twice (a redelivery).
        var items: [[UInt8]] = []
        for (i, bad) in Self.malformed.enumerated() { items += [Self.good(i), bad.body] }
        items += [Self.good(Self.malformed.count), Self.good(3)]
        if batched {
            // Three messages of many lines each (lines cannot hold an empty record in the
            // middle of a body without it being an empty line, which is the same reason).
            let bodies = stride(from: 0, to: items.count, by: 12).map { start in
                items[start..<min(start + 12, items.count)].joined(separator: [0x0A]).map { $0 }
            }
            try AMQPTestBroker.publish(bodies, to: queue, contentType: "application/x-ndjson")
        } else {
            try AMQPTestBroker.publish(items, to: queue)
        }

        let uri = try AMQPTestBroker.uri("queue=\(queue)&end_when_idle=1s&dead_letter_exchange=\(exchange)")
        let memory = MemoryConnectors()
        var environment = AMQPPipelineRuns.memoryEnvironment(events: uri)
        environment["DAA_DEAD_LETTER"] = try AMQPTestBroker.uri("queue=\(deadQueue)")
        let spec = try AMQPPipelineRuns.load("event-archive", environment: environment)
        let planned = try PipelinePlanner(catalog: Catalog(memory: memory)).plan(spec)
        var options = RunOptions(workers: 2, partitions: 2)
        options.deadLetter = planned.deadLetter
        let summary = try Job(planned.dataflow, options: options).run()

        #expect(summary.outcome == .completed)
        #expect(summary.rejected == Int64(Self.malformed.count))
        #expect(summary.duplicates == 1)
        let archived = Set(try #require(memory.all["archive"]).rows.compactMap { $0["id"]?.asString })
        #expect(archived == Set((0...Self.malformed.count).map { "good-\($0)" }))

        // The pipeline's dead letters also get the repeated event (de-duplication sends
        // it there with its reason); the source's exchange only gets undecodable input.
        for (queueName, fromSource) in [(deadQueue, false), (exchangeQueue, true)] {
            let expectedCount = Self.malformed.count + (fromSource ? 0 : 1)
            let dead = try Self.drain(queueName, expecting: expectedCount)
            #expect(dead.count == expectedCount, "\(queueName)")
            #expect(try Self.drain(queueName, expecting: 1, wait: .seconds(1)).isEmpty, "more dead letters than bad messages")
            var unmatched = dead
            for bad in Self.malformed {
                guard let index = unmatched.firstIndex(where: { $0.body == Array(bad.body.prefix(1 << 20)) }) else {
                    Issue.record("no dead letter for \(String(decoding: bad.body.prefix(60), as: UTF8.self))")
                    continue
                }
                let letter = unmatched.remove(at: index)
                let reason = letter.headers["x-sluice-reason"] ?? ""
                #expect(reason.contains(bad.reason), "\(reason) for \(String(decoding: bad.body.prefix(60), as: UTF8.self))")
                if fromSource {
                    #expect(letter.headers["x-original-routing-key"] == queue && letter.headers["x-original-exchange"] == "")
                    #expect(letter.headers["x-original-queue"] == queue)
                } else {
                    #expect(letter.headers["x-sluice-pipeline"] == "event-archive" && letter.headers["x-sluice-source"] != nil)
                }
            }
            if !fromSource {
                #expect(unmatched.count == 1 && String(decoding: unmatched[0].body, as: UTF8.self).contains(#""good-3""#))
                #expect(unmatched.first?.headers["x-sluice-reason"]?.contains("duplicate id 'good-3'") == true)
            }
        }
        try waitFor("the bad messages to be acknowledged too") { try AMQPTestBroker.counts(queue) == (0, 0) }
    }
}
