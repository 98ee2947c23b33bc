import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Synchronization
import Testing

/// `AMQPQueueLease`: on a single-active-consumer queue the first subscriber is active and
/// the second waits; the split reader reads on the active lease's connection (so the queue
/// never passes to the waiting consumer in between); when that connection closes with its
/// deliveries unacknowledged, the waiting lease becomes active and gets them again; in a
/// bounded run a lease on an empty queue nobody else consumes ends.
@Suite(.serialized) struct AMQPQueueLeaseTests {
    static let arguments: [(String, AMQPFieldValue)] = [("x-single-active-consumer", .bool(true))]

    static func source(_ queue: String, endWhenIdle: Duration? = nil) throws -> AMQPSource {
        var options = AMQPSourceOptions(connection: try AMQPTestBroker.configuration(), queues: [queue], prefetch: 100)
        options.queueArguments = arguments
        options.endWhenIdle = endWhenIdle
        return try AMQPSource(name: "events", schema: Schema([Field("n", .int64)]), required: [], options: options)
    }

    @Test(.timeLimit(.minutes(5)))
    func theWaitingLeaseBecomesActiveWhenTheActiveConnectionCloses() throws {
        let queue = AMQPTestBroker.uniqueName("lease")
        let setup = try AMQPTestBroker.connect()
        defer {
            try? setup.deleteQueue(queue)
            setup.close()
        }
        try setup.declareQueue(queue, arguments: Self.arguments)
        try AMQPTestBroker.publish((1...3).map { Array("{\"n\":\($0)}".utf8) }, to: queue)

        let source = try Self.source(queue)
        let first = AMQPQueueLease(queue: queue, options: source.options)
        #expect(try first.waitUntilActive(isStopping: { false }) == .active)

        // The second lease waits behind the first: both are the queue's consumers.
        let second = AMQPQueueLease(queue: queue, options: source.options)
        let secondOutcome = OutcomeBox()
        let waiting = Thread { secondOutcome.set(try? second.waitUntilActive(isStopping: { false })) }
        waiting.start()
        try waitFor("two consumers") { try setup.queueCounts(queue).consumers == 2 }
        #expect(secondOutcome.value == nil)

        // The reader reads all three on the first lease's connection (the first delivery included).
        source.adopt(first)
        let reader = try source.openSplit(0, resumingAfter: nil)
        var values: [Int64] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while values.count < 3 && ContinuousClock.now < deadline {
            if case .data(let batch, _) = try reader.next(maxRows: 100) { values += batch.columns[0].ints }
        }
        #expect(values == [1, 2, 3])
        #expect(source.status.snapshot[0].connections == 1, "the reader opened a connection of its own")
        #expect(secondOutcome.value == nil, "the queue moved while the first lease's reader held it")

        // Closed unacknowledged: the broker activates the waiting lease and redelivers.
        reader.close()
        try waitFor("the second lease active") { secondOutcome.value == .active }
        let redelivered = try Self.source(queue)
        redelivered.adopt(second)
        let secondReader = try redelivered.openSplit(0, resumingAfter: nil)
        defer { secondReader.close() }
        var again: [Int64] = []
        while again.count < 3 && ContinuousClock.now < deadline + .seconds(10) {
            if case .data(let batch, _) = try secondReader.next(maxRows: 100) { again += batch.columns[0].ints }
        }
        #expect(again == [1, 2, 3])
        #expect(redelivered.status.snapshot[0].redeliveries == 3)
    }

    @Test(.timeLimit(.minutes(5)))
    func aBoundedLeaseOnAnEmptyQueueNobodyElseConsumesEnds() throws {
        let queue = AMQPTestBroker.uniqueName("lease-idle")
        let setup = try AMQPTestBroker.connect()
        defer {
            try? setup.deleteQueue(queue)
            setup.close()
        }
        try setup.declareQueue(queue, arguments: Self.arguments)
        let source = try Self.source(queue, endWhenIdle: .milliseconds(300))
        #expect(try AMQPQueueLease(queue: queue, options: source.options).waitUntilActive(isStopping: { false }) == .ended)
        let stopped = AMQPQueueLease(queue: queue, options: try Self.source(queue).options)
        #expect(try stopped.waitUntilActive(isStopping: { true }) == .stopped)
    }
}

/// What a lease waiting on another thread returned.
private final class OutcomeBox: Sendable {
    private let outcome = Mutex<AMQPQueueLease.Outcome?>(nil)
    var value: AMQPQueueLease.Outcome? { outcome.withLock { $0 } }
    func set(_ value: AMQPQueueLease.Outcome?) { outcome.withLock { $0 = value } }
}
