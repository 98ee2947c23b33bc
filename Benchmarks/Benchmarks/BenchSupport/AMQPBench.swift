import Foundation
public import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluiceRuntime
import Synchronization

/// RabbitMQ consumption measured two ways on the same queue contents: a raw consumer
/// loop on the thin wrapper (consume with prefetch, one `basic.ack(multiple)` per
/// `prefetch / 2` deliveries, bodies dropped) and Sluice's `AMQPSource` decoding into a
/// discarding sink through a job (acknowledged per epoch). Needs a broker: the settings of
/// `ops/test-stack.sh` (`SLUICE_TEST_AMQP_HOST`, `_PORT`, `_USER`, `_PASSWORD`).
public enum AMQPBench {
    public static var configuration: AMQPConfiguration? {
        let environment = ProcessInfo.processInfo.environment
        guard let port = environment["SLUICE_TEST_AMQP_PORT"].flatMap({ Int($0) }) else { return nil }
        return AMQPConfiguration(
            host: environment["SLUICE_TEST_AMQP_HOST"] ?? "127.0.0.1", port: port, user: environment["SLUICE_TEST_AMQP_USER"] ?? "guest",
            password: environment["SLUICE_TEST_AMQP_PASSWORD"] ?? "guest")
    }

    /// Fills a fresh durable queue with `messages` persistent messages of `perMessage`
    /// DAA metric events each (NDJSON bodies above 1), confirmed by the broker.
    public static func fill(_ configuration: AMQPConfiguration, queue: String, messages: Int, perMessage: Int) throws {
        let connection = try AMQPConnection.connect(configuration)
        defer { connection.close() }
        try connection.declareQueue(queue)
        try connection.purgeQueue(queue)
        try connection.confirmSelect()
        var n = 0
        for m in 0..<messages {
            var body: [UInt8] = []
            for i in 0..<perMessage {
                if i > 0 { body.append(0x0A) }
                body += Array(
                    #"{"id":"e-\#(n)","type":"metric","agent_id":"agent-\#(n % 1000)","ts":\#(1_764_000_000_000 + Int64(n)),"metric":"latency_ms","value":\#(n % 100)}"#
                        .utf8)
                n += 1
            }
            try connection.publish(
                exchange: "", routingKey: queue, body: body, contentType: perMessage == 1 ? "application/json" : "application/x-ndjson")
            if m % 1000 == 999 { try connection.pollConfirms() }
        }
        let nacked = try connection.waitForConfirms(timeout: .seconds(300))
        precondition(nacked.isEmpty, "nacked while filling")
    }

    /// The raw loop: returns how long consuming and acknowledging `messages` took.
    public static func raw(_ configuration: AMQPConfiguration, queue: String, messages: Int, prefetch: Int) throws -> Duration {
        // Timed from before connecting, as the Sluice side is (its job connects in `run`).
        let start = ContinuousClock.now
        let connection = try AMQPConnection.connect(configuration)
        defer { connection.close() }
        try connection.setPrefetch(prefetch)
        try connection.consume(queue)
        var received = 0
        var bytes = 0
        while received < messages {
            guard let delivery = try connection.nextDelivery(timeout: .seconds(10)) else { break }
            received += 1
            bytes &+= delivery.body.count
            if received % max(1, prefetch / 2) == 0 || received == messages {
                try connection.acknowledge(delivery.deliveryTag, multiple: true)
            }
        }
        precondition(received == messages && bytes > 0, "raw consumer got \(received) of \(messages)")
        return ContinuousClock.now - start
    }

    /// Sluice: `AMQPSource` → a discarding sink, stopped once `events` are read; returns
    /// the time to read them.
    public static func sluice(_ configuration: AMQPConfiguration, queue: String, events: Int, prefetch: Int, workers: Int) throws -> Duration {
        let flow = Dataflow(name: "amqp-bench")
        let source = try AMQPSource(
            name: "events", schema: DAA.schema, required: DAA.requiredFields,
            options: AMQPSourceOptions(connection: configuration, queues: [queue], prefetch: prefetch, declareQueues: false))
        let stream = flow.source(source, eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 5000))
        flow.sink("discard", from: stream, to: CountingSink(checksumColumns: []), mode: .append)
        let job = try Job(flow, options: RunOptions(workers: workers, partitions: workers))
        let start = ContinuousClock.now
        let finished = Mutex<Duration?>(nil)
        let watcher = Thread {
            // `eventsRead` is one atomic load (`status` gathers every partition's counters
            // under their locks); each look wakes this thread, so once a millisecond.
            while job.eventsRead < Int64(events) { usleep(1_000) }
            finished.withLock { $0 = ContinuousClock.now - start }
            job.stop()
        }
        watcher.start()
        _ = try job.run()
        guard let elapsed = finished.withLock({ $0 }) else { preconditionFailure("the job ended before reading \(events) events") }
        return elapsed
    }
}
