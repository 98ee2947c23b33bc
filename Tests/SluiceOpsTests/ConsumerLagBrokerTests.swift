import Foundation
import Logging
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluiceOps
import SluiceRuntime
import SluiceTestSupport
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Consumer lag of a RabbitMQ source against the real broker: while the sink is blocked
/// the queue keeps what the consumer has not taken, and `sluice_consumer_lag` (and
/// `/readyz` with a bound) says how many are ready, as `rabbitmqctl` does; once the sink
/// is released the lag drains to 0.
@Suite(.serialized) struct ConsumerLagBrokerTests {
    static let messages = 1000
    static let prefetch = 100

    static func configuration() throws -> AMQPConfiguration {
        AMQPConfiguration(
            host: try TestServers.setting("SLUICE_TEST_AMQP_HOST"), port: Int(try TestServers.setting("SLUICE_TEST_AMQP_PORT")),
            user: try TestServers.setting("SLUICE_TEST_AMQP_USER"), password: try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD"))
    }

    /// The value of `sluice_consumer_lag` for source `source` in the exposition.
    static func lagGauge(_ exposition: String, source: String) -> Double? {
        exposition.split(separator: "\n").first {
            $0.hasPrefix("sluice_consumer_lag{") && $0.contains("source=\"\(source)\"") && $0.contains("unit=\"messages\"")
        }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    static func get(_ port: Int, _ path: String) throws -> (status: Int, body: Data) {
        let result = Mutex<(Int, Data)?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: URL(string: "http://127.0.0.1:\(port)\(path)")!) { data, response, _ in
            result.withLock { $0 = ((response as? HTTPURLResponse)?.statusCode ?? -1, data ?? Data()) }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 10)
        let answer = try #require(result.withLock { $0 }, "no answer from \(path)")
        return (answer.0, answer.1)
    }

    @Test func lagIsWhatTheBrokerHoldsWhileTheSinkIsBlockedAndDrainsAfter() throws {
        let configuration = try Self.configuration()
        let queue = "lag-\(UUID().uuidString.prefix(8).lowercased())"
        let publisher = try AMQPConnection.connect(configuration)
        try publisher.declareQueue(queue)
        defer {
            try? publisher.deleteQueue(queue)
            publisher.close()
        }
        try publisher.confirmSelect()
        for i in 0..<Self.messages {
            let body = #"{"id":"e\#(i)","ts":\#(1_764_000_000_000 + Int64(i))}"#
            try publisher.publish(exchange: "", routingKey: queue, body: Array(body.utf8), contentType: "application/json")
        }
        #expect(try publisher.waitForConfirms(timeout: .seconds(30)).isEmpty)

        let schema = Schema([Field("id", .string, nullable: false), Field("ts", .timestamp, nullable: false)])
        let source = try AMQPSource(
            name: "events", schema: schema, required: ["id", "ts"],
            options: AMQPSourceOptions(connection: configuration, queues: [queue], prefetch: Self.prefetch, declareQueues: false))
        let sink = IsolationTests.StalledSink(delayMillis: nil)
        let flow = Dataflow(name: "lag")
        let events = flow.source(source, eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 1000))
        flow.sink("stalled", from: events, to: sink, mode: .append)
        let job = try Job(flow, options: RunOptions(workers: 1, partitions: 1))
        let ended = DispatchSemaphore(value: 0)
        Thread {
            _ = try? job.run()
            ended.signal()
        }.start()
        defer {
            sink.released.store(true, ordering: .relaxed)
            job.stop()
            _ = ended.wait(timeout: .now() + 20)
        }

        // Stalled: the consumer holds a full prefetch unacknowledged (the sink never
        // finishes a write, so no epoch commits), the rest stays ready on the queue.
        var counts: (ready: Int, unacked: Int)?
        let stallBy = Date().addingTimeInterval(25)
        while Date() < stallBy {
            counts = try TestServers.brokerQueueCounts(queue)
            if let counts, counts.unacked == Self.prefetch { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let stalled = try #require(counts)
        #expect(stalled.unacked == Self.prefetch && stalled.ready == Self.messages - Self.prefetch, "\(stalled)")
        #expect(sink.written.load(ordering: .relaxed) == 0)

        let state = OpsState(
            pipelines: [OpsState.Pipeline(name: "lag", job: job)], configuration: OpsConfiguration(port: 0, maxConsumerLag: 10))
        let metrics = OpsMetrics()
        metrics.refresh(state)
        let lag = try #require(Self.lagGauge(metrics.exposition(), source: "events"), "\(metrics.exposition())")
        #expect(lag > 0)
        #expect(Int(lag) == stalled.ready, "sluice_consumer_lag \(lag), rabbitmqctl messages_ready \(stalled.ready)")
        let check = try #require(HealthChecks.readiness(state).first { $0.name == "lag events consumer lag" })
        #expect(!check.ok && check.detail == "\(stalled.ready) messages waiting (bound 10)", "\(check.line)")

        // Over real HTTP: /readyz names the failing check, /pipelines carries the lag.
        let server = OpsServer(state: state, metrics: metrics, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let port = try server.start()
        defer { server.stop() }
        let readyz = try Self.get(port, "/readyz")
        #expect(readyz.status == 503)
        #expect(
            String(decoding: readyz.body, as: UTF8.self).contains("FAIL lag events consumer lag: \(stalled.ready) messages waiting"),
            "\(String(decoding: readyz.body, as: UTF8.self))")
        let pipelines = try #require(try JSONSerialization.jsonObject(with: Self.get(port, "/pipelines").body) as? [String: Any])
        let pipeline = try #require((pipelines["pipelines"] as? [[String: Any]])?.first)
        let reported = try #require((pipeline["consumerLag"] as? [[String: Any]])?.first, "\(pipeline)")
        #expect(reported["source"] as? String == "events" && reported["unit"] as? String == "messages")
        #expect(reported["amount"] as? Int == stalled.ready, "\(reported)")

        // Released: everything is written and acknowledged, and the lag reaches 0.
        sink.released.store(true, ordering: .relaxed)
        var drained: Double?
        let drainBy = Date().addingTimeInterval(30)
        while Date() < drainBy {
            metrics.refresh(state)
            drained = Self.lagGauge(metrics.exposition(), source: "events")
            if drained == 0 { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        #expect(drained == 0)
        #expect(sink.written.load(ordering: .relaxed) == Self.messages)
        #expect(HealthChecks.readiness(state).first { $0.name == "lag events consumer lag" }?.ok == true)
    }
}
