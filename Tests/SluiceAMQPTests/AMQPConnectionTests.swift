import SluiceAMQP
import Testing

/// The wrapper against the real broker: declare, publish with confirms, consume,
/// acknowledge, and the broker's redelivery of what a closed channel left unacknowledged.
@Suite struct AMQPConnectionTests {
    @Test func roundTripWithConfirmsAndAcknowledgements() throws {
        let queue = try AMQPTestBroker.freshQueue("roundtrip")
        let bodies = (0..<50).map { Array("{\"n\":\($0)}".utf8) }
        try AMQPTestBroker.publish(bodies, to: queue)
        #expect(try AMQPTestBroker.connect().queueCounts(queue).messages == 50)

        let consumer = try AMQPTestBroker.connect()
        defer { consumer.close() }
        try consumer.setPrefetch(100)
        try consumer.consume(queue)
        var received: [AMQPDelivery] = []
        while received.count < 50, let delivery = try consumer.nextDelivery(timeout: .seconds(5)) { received.append(delivery) }
        #expect(received.map(\.body) == bodies)
        #expect(received.allSatisfy { !$0.redelivered && $0.contentType == "application/json" && $0.routingKey == queue })
        #expect(try consumer.nextDelivery(timeout: .milliseconds(100)) == nil)
        // One multiple-ack for the first 30: the broker then holds 20 unacknowledged.
        try consumer.acknowledge(received[29].deliveryTag, multiple: true)
        try waitFor { try AMQPTestBroker.counts(queue) == (0, 20) }
    }

    @Test func unacknowledgedDeliveriesComeBackAfterTheChannelCloses() throws {
        let queue = try AMQPTestBroker.freshQueue("redeliver")
        let bodies = (0..<10).map { Array("{\"n\":\($0)}".utf8) }
        try AMQPTestBroker.publish(bodies, to: queue)
        do {
            let first = try AMQPTestBroker.connect()
            try first.setPrefetch(100)
            try first.consume(queue)
            var tags: [UInt64] = []
            while tags.count < 10, let delivery = try first.nextDelivery(timeout: .seconds(5)) { tags.append(delivery.deliveryTag) }
            try first.acknowledge(tags[3], multiple: true)  // 0...3 done
            first.close()
        }
        let second = try AMQPTestBroker.connect()
        defer { second.close() }
        try second.consume(queue)
        var again: [AMQPDelivery] = []
        while again.count < 6, let delivery = try second.nextDelivery(timeout: .seconds(5)) { again.append(delivery) }
        #expect(again.map(\.body) == Array(bodies[4...]))
        #expect(again.allSatisfy { $0.redelivered })
        #expect(try second.nextDelivery(timeout: .milliseconds(200)) == nil)
    }

    @Test func consumingAMissingQueueIsAChannelErrorNotRetryable() throws {
        let connection = try AMQPTestBroker.connect()
        defer { connection.close() }
        do {
            try connection.consume(AMQPTestBroker.uniqueName("missing"))
            Issue.record("consuming a missing queue succeeded")
        } catch let error as AMQPError {
            #expect(error.code == .channelClosed && error.replyCode == 404 && !error.isRetryable)
            #expect(connection.isBroken)
        }
    }

    @Test func aWrongPasswordIsRefusedAndNotRetryable() throws {
        var configuration = try AMQPTestBroker.configuration()
        configuration.password = "not-the-password"
        do {
            _ = try AMQPConnection.connect(configuration)
            Issue.record("a wrong password logged in")
        } catch let error as AMQPError {
            #expect(!error.isRetryable, "\(error)")
        }
    }

    @Test func noBrokerIsARetryableConnectionFailure() throws {
        var configuration = try AMQPTestBroker.configuration()
        configuration.port = 1  // nothing listens there
        do {
            _ = try AMQPConnection.connect(configuration)
            Issue.record("connected to a closed port")
        } catch let error as AMQPError {
            #expect(error.code == .connectionFailed && error.isRetryable)
        }
    }
}

/// Polls `condition` (the broker's counters lag its acknowledgements a little) for up to 10 s.
func waitFor(_ what: String = "condition", _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.1)
    }
    Issue.record("timed out waiting for \(what)")
}

import Foundation
