import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// `amqps://` against a private broker whose TLS listener (ops/test-stack.sh with
/// SLUICE_TEST_AMQP_TLS_PORT) has a certificate from a throw-away CA and requires a client
/// certificate: verification is on in every case here.
@Suite(.serialized) struct AMQPTLSTests {
    /// Events in over TLS, alerts out over TLS: the same alerts as a file run, every
    /// event read, the queue acknowledged.
    @Test func aSourceAndThePublishingSinkWorkOverVerifiedTLS() throws {
        let broker = try PrivateBroker(tls: true)
        let tls = "\(broker.directory)/tls"
        let port = try #require(broker.tlsPort)
        let configuration = AMQPConfiguration(
            host: "127.0.0.1", port: port,
            tls: .init(caCertificate: "\(tls)/ca.pem", clientCertificate: "\(tls)/client.pem", clientKey: "\(tls)/client.key"))

        let lines = try AMQPPipelineRuns.eventLines(count: 60_000, seed: 31, agents: 30)
        let directory = try TemporaryDirectory()
        let file = directory.path("events.ndjson")
        try AMQPPipelineRuns.writeFile(lines, to: file)
        let (_, reference) = try AMQPPipelineRuns.runInMemory("performance-alerts", events: "file:\(file)")
        let expected = try #require(reference.all["performance_alerts"]).rows
        #expect(expected.count >= 5, "too few alerts to test with")

        // Topology and events, published over TLS: 100 events per NDJSON message.
        do {
            let connection = try AMQPConnection.connect(configuration)
            defer { connection.close() }
            try connection.declareQueue("events")
            try connection.declareExchange("alerts", type: "fanout")
            try connection.declareQueue("alerts-all")
            try connection.bindQueue("alerts-all", exchange: "alerts", routingKey: "")
            try connection.confirmSelect()
            var start = 0
            while start < lines.count {
                let chunk = lines[start..<min(start + 100, lines.count)]
                try connection.publish(
                    exchange: "", routingKey: "events", body: Array(chunk.joined(separator: [0x0A])), contentType: "application/x-ndjson")
                start += 100
            }
            #expect(try connection.waitForConfirms(timeout: .seconds(60)).isEmpty)
        }

        let certificates = "cacert=\(tls)/ca.pem&cert=\(tls)/client.pem&key=\(tls)/client.key"
        var environment = AMQPPipelineRuns.memoryEnvironment(events: "amqps://guest@127.0.0.1:\(port)/?queue=events&end_when_idle=2s&\(certificates)")
        environment["DAA_PERFORMANCE_ALERTS"] = "amqps://guest@127.0.0.1:\(port)/?exchange=alerts&routing_key={agent_id}&\(certificates)"
        let planned = try PipelinePlanner(catalog: Catalog(memory: MemoryConnectors())).plan(
            try AMQPPipelineRuns.load("performance-alerts", environment: environment))
        let source = try #require(planned.dataflow.sources.first as? AMQPSource)
        let sink = try #require(planned.dataflow.sinks.lazy.compactMap { $0 as? AMQPPublishSink }.first)
        #expect(source.options.connection.tls?.verify == true && sink.publisher.configuration.tls?.verify == true)
        var options = RunOptions(workers: 2, partitions: 2)
        options.deadLetter = planned.deadLetter
        let summary = try Job(planned.dataflow, options: options).run()
        #expect(summary.outcome == .completed)
        #expect(summary.eventsIn == Int64(lines.count), "every event read once")
        #expect(sink.publisher.confirmed == expected.count)

        let connection = try AMQPConnection.connect(configuration)
        defer { connection.close() }
        #expect(try connection.queueCounts("alerts-all").messages == expected.count)
        try waitFor("the events to be acknowledged") { try connection.queueCounts("events").messages == 0 }
    }

    /// A broker certificate the given CA did not sign, and a missing client certificate,
    /// are refused with errors that say so; a source keeps retrying with backoff and its
    /// status names the reason (no crash, no silent hang).
    @Test func anUntrustedBrokerOrAMissingClientCertificateIsRefusedClearly() throws {
        let broker = try PrivateBroker(tls: true)
        let tls = "\(broker.directory)/tls"
        let port = try #require(broker.tlsPort)

        let untrusted = AMQPConfiguration(
            host: "127.0.0.1", port: port,
            tls: .init(caCertificate: "\(tls)/other-ca.pem", clientCertificate: "\(tls)/client.pem", clientKey: "\(tls)/client.key"))
        do {
            _ = try AMQPConnection.connect(untrusted)
            Issue.record("connected to a broker whose certificate the CA did not sign")
        } catch let error as AMQPError {
            #expect(error.code == .connectionFailed && error.isRetryable)
            #expect("\(error)".contains("not signed by a trusted CA (cacert=\(tls)/other-ca.pem)"), "\(error)")
        }

        let noClientCertificate = AMQPConfiguration(host: "127.0.0.1", port: port, tls: .init(caCertificate: "\(tls)/ca.pem"))
        do {
            _ = try AMQPConnection.connect(noClientCertificate)
            Issue.record("connected without the client certificate the broker requires")
        } catch let error as AMQPError {
            #expect(error.isRetryable, "\(error)")
            #expect("\(error)".contains("client certificate"), "\(error)")
        }

        // The control: the same broker with the right CA and client certificate.
        let trusted = AMQPConfiguration(
            host: "127.0.0.1", port: port,
            tls: .init(caCertificate: "\(tls)/ca.pem", clientCertificate: "\(tls)/client.pem", clientKey: "\(tls)/client.key"))
        try AMQPConnection.connect(trusted).close()

        // A pipeline's source against the untrusted certificate: reconnecting, attempts
        // growing with backoff, the reason in its status; stopping the job ends it.
        let uri = "amqps://guest@127.0.0.1:\(port)/?queue=events&reconnect_max=500ms&cacert=\(tls)/other-ca.pem&cert=\(tls)/client.pem&key=\(tls)/client.key"
        let planned = try PipelinePlanner(catalog: Catalog(memory: MemoryConnectors())).plan(
            try AMQPPipelineRuns.load("agent-metrics", environment: AMQPPipelineRuns.memoryEnvironment(events: uri)))
        let source = try #require(planned.dataflow.sources.first as? AMQPSource)
        var options = RunOptions(workers: 2, partitions: 2)
        options.deadLetter = planned.deadLetter
        let job = try Job(planned.dataflow, options: options)
        let holder = JobHolder()
        holder.set(job)
        let stopper = Thread {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if case .reconnecting(let attempt, _) = source.status.snapshot.first?.state, attempt >= 3 { break }
                Thread.sleep(forTimeInterval: 0.02)
            }
            holder.stop()
        }
        stopper.start()
        let summary = try job.run()
        let state = try #require(source.status.snapshot.first).state
        guard case .reconnecting(let attempt, let error) = state else {
            Issue.record("the source is \(state), not reconnecting")
            return
        }
        #expect(attempt >= 3, "no retries with backoff")
        #expect(error.contains("not signed by a trusted CA"), "\(error)")
        #expect(summary.eventsIn == 0)
    }
}
