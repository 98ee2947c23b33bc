import BenchSupport
import Benchmark
import Foundation

/// RabbitMQ into a discarding sink, beside the raw consumer loop on the same queue
/// contents (same prefetch, acknowledgements with `multiple`). Registered only when a
/// broker is configured (`source "$(bash ops/test-stack.sh env)"`): a benchmark run
/// without one must not fail, and broker figures are noisy (the broker shares the cores).
func registerAMQPBenchmarks() {
    guard let configuration = AMQPBench.configuration else { return }
    let messages = ProcessInfo.processInfo.environment["SLUICE_BENCH_AMQP_MESSAGES"].flatMap { Int($0) } ?? 100_000
    let iterations = ProcessInfo.processInfo.environment["SLUICE_BENCH_AMQP_ITERATIONS"].flatMap { Int($0) } ?? 4
    let metrics: [BenchmarkMetric] = [
        .wallClock,
        .custom("sluice_kev_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("raw_kev_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("ratio_pct", polarity: .prefersLarger, useScalingFactor: false),
    ]
    for perMessage in [1, 100, 1000] {
        let count = perMessage == 1 ? messages : max(1, messages * 10 / perMessage)
        Benchmark("AMQP \(perMessage) event(s)/message", configuration: .init(metrics: metrics, warmupIterations: 0, maxDuration: .seconds(600), maxIterations: iterations)) {
            benchmark in
            let queue = "bench-amqp-\(perMessage)"
            // Deliveries are acknowledged when their epoch commits (about a second), so
            // Sluice reads at most about prefetch messages per epoch.
            let prefetch = ProcessInfo.processInfo.environment["SLUICE_BENCH_AMQP_PREFETCH"].flatMap { Int($0) } ?? 10_000
            for iteration in benchmark.scaledIterations {
                // Each drains a queue filled just before it; who goes first alternates, so
                // neither always meets the broker still tidying up after the other's drain.
                var raw = Duration.zero
                var sluice = Duration.zero
                for turn in 0..<2 {
                    try AMQPBench.fill(configuration, queue: queue, messages: count, perMessage: perMessage)
                    if (turn + iteration) % 2 == 0 {
                        raw = try AMQPBench.raw(configuration, queue: queue, messages: count, prefetch: prefetch)
                    } else {
                        benchmark.startMeasurement()
                        sluice = try AMQPBench.sluice(
                            configuration, queue: queue, events: count * perMessage, prefetch: prefetch, workers: 2)
                        benchmark.stopMeasurement()
                    }
                }
                let events = Double(count * perMessage)
                let rawRate = events / seconds(raw)
                let sluiceRate = events / seconds(sluice)
                benchmark.measurement(.custom("sluice_kev_s"), Int(sluiceRate / 1000))
                benchmark.measurement(.custom("raw_kev_s"), Int(rawRate / 1000))
                benchmark.measurement(.custom("ratio_pct"), Int(sluiceRate / rawRate * 100))
            }
        }
    }
    // Batched bodies through agent-metrics' operators (de-duplication, filter, window,
    // aggregates), beside the raw consumer on the same queue contents: one queue, and two
    // queues run as `sluice run` runs a partitioned topology (a job per queue). The raw
    // side drains the queues one after another (its time is their sum).
    for (perMessage, queueCount) in [(100, 1), (1000, 1), (1000, 2)] {
        let count = max(1, messages * 10 / perMessage)
        let name = "AMQP agent-metrics \(perMessage) events/message" + (queueCount > 1 ? ", \(queueCount) queues" : "")
        Benchmark(name, configuration: .init(metrics: metrics, warmupIterations: 0, maxIterations: 2)) { benchmark in
            let queues = (0..<queueCount).map { "bench-amqp-pipeline-\(perMessage)-\($0)-of-\(queueCount)" }
            let prefetch = ProcessInfo.processInfo.environment["SLUICE_BENCH_AMQP_PREFETCH"].flatMap { Int($0) } ?? 10_000
            let pipelines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pipelines").path
            let perQueue = count / queueCount
            for _ in benchmark.scaledIterations {
                var raw = Duration.zero
                for queue in queues {
                    try AMQPBench.fill(configuration, queue: queue, messages: perQueue, perMessage: perMessage)
                    raw += try AMQPBench.raw(configuration, queue: queue, messages: perQueue, prefetch: prefetch)
                }
                for queue in queues { try AMQPBench.fill(configuration, queue: queue, messages: perQueue, perMessage: perMessage) }
                benchmark.startMeasurement()
                let sluice = try AMQPPipelineBench.agentMetrics(
                    configuration, queues: queues, events: perQueue * queueCount * perMessage, prefetch: prefetch, workers: 2,
                    pipelinesDirectory: pipelines)
                benchmark.stopMeasurement()
                let events = Double(perQueue * queueCount * perMessage)
                let rawRate = events / seconds(raw)
                let sluiceRate = events / seconds(sluice)
                benchmark.measurement(.custom("sluice_kev_s"), Int(sluiceRate / 1000))
                benchmark.measurement(.custom("raw_kev_s"), Int(rawRate / 1000))
                benchmark.measurement(.custom("ratio_pct"), Int(sluiceRate / rawRate * 100))
            }
        }
    }
}
