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
    let metrics: [BenchmarkMetric] = [
        .wallClock,
        .custom("sluice_kev_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("raw_kev_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("ratio_pct", polarity: .prefersLarger, useScalingFactor: false),
    ]
    for perMessage in [1, 100, 1000] {
        let count = perMessage == 1 ? messages : max(1, messages * 10 / perMessage)
        Benchmark("AMQP \(perMessage) event(s)/message", configuration: .init(metrics: metrics, warmupIterations: 0, maxIterations: 2)) {
            benchmark in
            let queue = "bench-amqp-\(perMessage)"
            // Deliveries are acknowledged when their epoch commits (about a second), so
            // Sluice reads at most about prefetch messages per epoch.
            let prefetch = ProcessInfo.processInfo.environment["SLUICE_BENCH_AMQP_PREFETCH"].flatMap { Int($0) } ?? 10_000
            for _ in benchmark.scaledIterations {
                try AMQPBench.fill(configuration, queue: queue, messages: count, perMessage: perMessage)
                let raw = try AMQPBench.raw(configuration, queue: queue, messages: count, prefetch: prefetch)
                // The raw loop acknowledged everything: fill again for Sluice.
                try AMQPBench.fill(configuration, queue: queue, messages: count, perMessage: perMessage)
                benchmark.startMeasurement()
                let sluice = try AMQPBench.sluice(configuration, queue: queue, events: count * perMessage, prefetch: prefetch, workers: 2)
                benchmark.stopMeasurement()
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
    // aggregates), beside the raw consumer on the same queue contents.
    for perMessage in [100, 1000] {
        let count = max(1, messages * 10 / perMessage)
        Benchmark(
            "AMQP agent-metrics \(perMessage) events/message", configuration: .init(metrics: metrics, warmupIterations: 0, maxIterations: 2)
        ) { benchmark in
            let queue = "bench-amqp-pipeline-\(perMessage)"
            let prefetch = ProcessInfo.processInfo.environment["SLUICE_BENCH_AMQP_PREFETCH"].flatMap { Int($0) } ?? 10_000
            let pipelines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pipelines").path
            for _ in benchmark.scaledIterations {
                try AMQPBench.fill(configuration, queue: queue, messages: count, perMessage: perMessage)
                let raw = try AMQPBench.raw(configuration, queue: queue, messages: count, prefetch: prefetch)
                try AMQPBench.fill(configuration, queue: queue, messages: count, perMessage: perMessage)
                benchmark.startMeasurement()
                let sluice = try AMQPPipelineBench.agentMetrics(
                    configuration, queue: queue, events: count * perMessage, prefetch: prefetch, workers: 2,
                    pipelinesDirectory: pipelines)
                benchmark.stopMeasurement()
                let events = Double(count * perMessage)
                let rawRate = events / seconds(raw)
                let sluiceRate = events / seconds(sluice)
                benchmark.measurement(.custom("sluice_kev_s"), Int(sluiceRate / 1000))
                benchmark.measurement(.custom("raw_kev_s"), Int(rawRate / 1000))
                benchmark.measurement(.custom("ratio_pct"), Int(sluiceRate / rawRate * 100))
            }
        }
    }
}
