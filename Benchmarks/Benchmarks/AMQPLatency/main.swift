import BenchSupport
import Foundation
import Glibc
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluiceOperators
import SluiceRuntime

// Publish → row latency through RabbitMQ at a steady rate (issue #16).
// usage: AMQPLatency fold|window [rate ev/s] [seconds] [events per message]
//   with a test stack's settings in the environment (`source /tmp/stack-X/stack.env`).
// A paced publisher writes persistent DAA metric events whose `ts` is the wall-clock publish
// time into a fresh queue; a job reads it (AMQPSource, 2 workers, prefetch 30,000, epochs
// every second) into a running fold per agent (`n = count(), last_ts = max(ts)`) or a 10 s
// tumbling window per agent and metric with partial rows every 500 ms (agent-metrics'
// flush_every). `LatencySink` times each event from its publication to the first row that
// includes it (seen by the sink) and to that row's epoch commit. The first 3 s are not timed.
let arguments = CommandLine.arguments
guard arguments.count > 1, ["fold", "window"].contains(arguments[1]), let configuration = AMQPBench.configuration else {
    print("usage: AMQPLatency fold|window [rate] [seconds] [events/message] (with SLUICE_TEST_AMQP_* set)")
    exit(2)
}
let mode = arguments[1]
let rate = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
let seconds = arguments.count > 3 ? Int(arguments[3]) ?? 20 : 20
let perMessage = arguments.count > 4 ? Int(arguments[4]) ?? 1 : 1
let agents = 1000
let queue = "bench-latency-\(mode)"

do {
    let setup = try AMQPConnection.connect(configuration)
    try setup.declareQueue(queue)
    try setup.purgeQueue(queue)
    setup.close()
}

let log = PublishLog(agents: agents)
let start = wallMicros()
let sink = LatencySink(log: log, warmupMillis: start / 1000 + 3000)

let flow = Dataflow(name: "amqp-latency")
let source = try AMQPSource(
    name: "events", schema: DAA.schema, required: DAA.requiredFields,
    options: AMQPSourceOptions(connection: configuration, queues: [queue], prefetch: 30_000, declareQueues: false))
let events = flow.stream(source, eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 1000))
let ts = ColumnRef("ts", in: DAA.schema)
let aggregates = [AggregateSpec("n", .count), AggregateSpec("last_ts", .max, ts)]
if mode == "fold" {
    events.keyBy(["agent_id"]).aggregate(aggregates).sink("latency", sink, mode: .append)
} else {
    let (results, late) = events.keyBy(["agent_id", "metric"]).window(.tumbling(sizeMillis: 10_000))
        .aggregate(aggregates, allowedLatenessMillis: 0, partialEveryMillis: 500)
    results.sink("latency", sink, mode: .append)
    late.sink("late", CountingSink(checksumColumns: []), mode: .append)
}
var options = RunOptions(workers: 2, partitions: 2)
options.epochIntervalMillis = 1000
let job = try Job(flow, options: options)

// The paced publisher: every millisecond, the events due by now (rate × elapsed).
let published = PublishCounter()
let publisher = Thread {
    do {
        let connection = try AMQPConnection.connect(configuration)
        defer { connection.close() }
        try connection.confirmSelect()
        let total = rate * seconds
        var sent = 0
        var body: [UInt8] = []
        var inBody = 0
        while sent < total {
            let due = min(total, Int(Double(wallMicros() - start) / 1e6 * Double(rate)))
            while sent < due {
                let micros = wallMicros()
                let agent = sent % agents
                if inBody > 0 { body.append(0x0A) }
                body += Array(
                    #"{"id":"l-\#(sent)","type":"metric","agent_id":"agent-\#(agent)","ts":\#(micros / 1000),"metric":"latency_ms","value":\#(sent % 100)}"#
                        .utf8)
                log.record(agent: agent, micros: micros)
                sent += 1
                inBody += 1
                if inBody == perMessage || sent == due {
                    try connection.publish(
                        exchange: "", routingKey: queue, body: body,
                        contentType: inBody == 1 ? "application/json" : "application/x-ndjson")
                    body.removeAll(keepingCapacity: true)
                    inBody = 0
                }
            }
            try connection.pollConfirms()
            published.set(sent)
            usleep(1000)
        }
        _ = try connection.waitForConfirms(timeout: .seconds(60))
        published.finish(sent)
    } catch {
        print("publisher failed: \(error)")
        exit(1)
    }
}
publisher.start()
// Stops the job once every published event is in some row (or 30 s after publishing ended).
let stopper = Thread {
    var endedAt: Int64?
    while true {
        usleep(20_000)
        guard let total = published.finished else { continue }
        endedAt = endedAt ?? wallMicros()
        if sink.events >= total || wallMicros() - (endedAt ?? 0) > 30_000_000 { break }
    }
    job.stop()
}
stopper.start()
let summary = try job.run()
let elapsed = Double(wallMicros() - start) / 1e6
let total = published.finished ?? 0
let report = sink.report()
var load = [Double](repeating: 0, count: 3)
_ = getloadavg(&load, 3)
func f(_ values: [Double]) -> String { String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms", values[0], values[1], values[2]) }
print(
    "\(mode): \(total) events published at \(rate)/s for \(seconds) s (\(perMessage)/message), \(summary.eventsIn) read, "
        + "\(sink.events) in rows, \(report.timed) timed; run \(String(format: "%.1f", elapsed)) s; load average \(String(format: "%.2f", load[0]))")
print("  publish → row seen by the sink:   \(f(report.seen))")
print("  publish → row committed (epoch):  \(f(report.committed))")
if sink.events < total { print("  WARNING: \(total - sink.events) events never reached a row") }
