import CoreMetrics
import SluiceOperators
import Foundation
public import Prometheus
public import SluiceCore
public import SluiceRuntime
import Synchronization

/// Prometheus metrics of the running pipelines, through swift-metrics with a
/// swift-prometheus factory on a registry of our own (not the process-global bootstrap,
/// so tests can run several side by side).
///
/// Values come from `Job.status` snapshots taken when `/metrics` is scraped (and by the
/// periodic sampler), never from the hot path: counters advance by the difference since
/// the previous snapshot. Checkpoint durations are recorded once per checkpoint through
/// `RunOptions.onCheckpointSaved`.
public final class OpsMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The counters' last absolute values, by metric key.
    private let last = Mutex<[String: Int64]>([:])
    private let update = Mutex(())
    /// Every series emitted, by metric key, so a removed pipeline's can be unregistered.
    private let series = Mutex<[String: Series]>([:])

    private struct Series {
        enum Kind { case counter, gauge }
        var kind: Kind
        var label: String
        var dimensions: [(String, String)]
    }

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["sluice_checkpoint_duration_seconds"] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    /// Records one saved checkpoint (called once per checkpoint, off the hot path).
    public func recordCheckpoint(pipeline: String, _ report: CheckpointReport) {
        Timer(label: "sluice_checkpoint_duration_seconds", dimensions: [("pipeline", pipeline)], factory: factory)
            .recordNanoseconds(Int64(report.durationSeconds * 1e9))
    }

    /// Brings every metric up to date with the pipelines' current status.
    public func refresh(_ state: OpsState, nowMillis: Int64 = SystemTimeSource().nowMillis()) {
        // A RabbitMQ source's lag may open a side connection to its broker (up to the
        // connect timeout when the broker is unreachable): asked before the lock, so a
        // scrape never waits behind another scrape's connect.
        let pipelines = state.pipelines.map { ($0, $0.consumerLags) }
        update.withLock { _ in
            gauge("sluice_draining", [], state.isDraining ? 1 : 0)
            // One removed or replaced meanwhile keeps the series `remove` unregistered gone.
            for (pipeline, lags) in pipelines where state.pipeline(named: pipeline.name)?.job === pipeline.job {
                refresh(pipeline, lags: lags, state: state, nowMillis: nowMillis)
            }
        }
    }

    /// A pipeline's job was replaced (reload): its counters start again from 0, so the
    /// next refresh counts the new job's values from there instead of waiting for them to
    /// pass the old job's.
    public func forget(pipeline: String) {
        let mark = "|pipeline=\(pipeline)"
        update.withLock { _ in
            last.withLock { last in
                last = last.filter { key, _ in
                    guard let range = key.range(of: mark) else { return true }
                    return !(range.upperBound == key.endIndex || key[range.upperBound] == "|")
                }
            }
        }
    }

    /// A pipeline's file was deleted and its job stopped: every series of it leaves
    /// `/metrics` (a `sluice_running 1` left behind would say it still runs).
    public func remove(pipeline: String) {
        update.withLock { _ in
            let gone = series.withLock { series in
                let gone = series.filter { _, s in s.dimensions.contains { $0 == ("pipeline", pipeline) } }
                for key in gone.keys { series[key] = nil }
                return gone
            }
            last.withLock { last in for key in gone.keys { last[key] = nil } }
            for s in gone.values {
                switch s.kind {
                case .counter: Counter(label: s.label, dimensions: s.dimensions, factory: factory).destroy()
                case .gauge: Gauge(label: s.label, dimensions: s.dimensions, factory: factory).destroy()
                }
            }
            Timer(label: "sluice_checkpoint_duration_seconds", dimensions: [("pipeline", pipeline)], factory: factory).destroy()
        }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }

    private func refresh(_ pipeline: OpsState.Pipeline, lags: [SourceLag], state: OpsState, nowMillis: Int64) {
        let status = pipeline.job.status
        let p = [("pipeline", pipeline.name)]
        counter("sluice_events_in_total", p, status.eventsRead)
        counter("sluice_events_rejected_total", p, status.rejected)
        counter("sluice_events_late_total", p, status.late)
        counter("sluice_events_late_updates_total", p, status.lateUpdates)
        counter("sluice_events_duplicate_total", p, status.duplicates)
        counter("sluice_epochs_committed_total", p, Int64(status.epochsCommitted))
        gauge("sluice_epoch", p, Double(status.lastEpoch))
        gauge("sluice_running", p, state.ending(of: pipeline.name) == nil ? 1 : 0)
        if let watermark = status.watermark, watermark != .beginningOfTime, watermark != .endOfTime {
            gauge("sluice_watermark_seconds", p, Double(watermark) / 1000)
            gauge("sluice_watermark_delay_seconds", p, Double(nowMillis - watermark) / 1000)
        }
        for partition in status.partitions {
            gauge("sluice_inbox_depth", p + [("partition", String(partition.index))], Double(partition.inboxDepth))
        }
        for op in status.operators {
            let o = p + [("operator", op.name)]
            counter("sluice_operator_rows_in_total", o, op.counters.rowsIn)
            counter("sluice_operator_rows_out_total", o, op.counters.rowsOut)
            counter("sluice_operator_late_total", o, op.counters.late)
            counter("sluice_operator_duplicates_total", o, op.counters.duplicates)
        }
        for sink in status.sinks {
            let s = p + [("sink", sink.name)]
            counter("sluice_sink_rows_written_total", s, sink.rowsWritten)
            gauge("sluice_sink_backlog_batches", s, Double(sink.backlog))
        }
        if let dead = status.sinks.first(where: { $0.name == "dead-letter" }) {
            counter("sluice_events_dead_lettered_total", p, dead.rowsWritten)
        }
        if let checkpoint = status.lastCheckpoint {
            gauge("sluice_checkpoint_last_duration_seconds", p, checkpoint.durationSeconds)
            gauge("sluice_checkpoint_state_bytes", p, Double(checkpoint.stateBytes))
            counter("sluice_checkpoints_saved_total", p, Int64(checkpoint.saved))
        }
        for lag in lags {
            gauge("sluice_consumer_lag", p + [("source", lag.source), ("unit", lag.lag.unit)], Double(lag.lag.amount))
        }
        for health in pipeline.job.connectorHealth {
            let c = p + [("connector", health.name)]
            gauge("sluice_connector_ready", c, health.ready ? 1 : 0)
            if let breaker = health.breaker {
                // 0 closed, 1 half-open, 2 open: alert on > 0.
                gauge("sluice_breaker_state", c, breaker == "closed" ? 0 : breaker == "half-open" ? 1 : 2)
            }
        }
    }

    private func counter(_ label: String, _ dimensions: [(String, String)], _ value: Int64) {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        remember(key, .counter, label, dimensions)
        let delta = last.withLock { last -> Int64 in
            let previous = last[key] ?? 0
            last[key] = max(previous, value)
            return value - previous
        }
        let counter = Counter(label: label, dimensions: dimensions, factory: factory)
        // Create the series at 0 too, so it is scraped before the first event.
        counter.increment(by: max(0, delta))
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)], _ value: Double) {
        remember(label + dimensions.map { "|\($0.0)=\($0.1)" }.joined(), .gauge, label, dimensions)
        Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
    }

    private func remember(_ key: String, _ kind: Series.Kind, _ label: String, _ dimensions: [(String, String)]) {
        series.withLock { series in
            if series[key] == nil { series[key] = Series(kind: kind, label: label, dimensions: dimensions) }
        }
    }
}
