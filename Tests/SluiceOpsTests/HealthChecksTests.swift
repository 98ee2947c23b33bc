import Dispatch
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceOps
import SluicePostgres
import Testing

@testable import SluiceRuntime

@Suite struct HealthChecksTests {
    /// Liveness asks each partition's queue: a queue stuck behind a blocked task fails
    /// it by number, and passes again once the task returns.
    @Test func aBlockedPartitionQueueFailsLivenessByNumber() throws {
        let running = try RunningJob()
        defer { running.stop() }
        #expect(running.awaitEvents())
        let state = OpsState(
            pipelines: [OpsState.Pipeline(name: running.name, job: running.job)],
            configuration: OpsConfiguration(pingTimeout: .milliseconds(300)))
        #expect(HealthChecks.liveness(state).allSatisfy { $0.ok }, "\(HealthChecks.liveness(state))")

        let gate = DispatchSemaphore(value: 0)
        running.job.runtime.partitions[1].queue.async { gate.wait() }
        let stuck = HealthChecks.liveness(state)
        gate.signal()
        #expect(stuck.count == 1)
        #expect(stuck.first?.ok == false)
        #expect(stuck.first?.detail.hasPrefix("partition(s) 1 did not answer within") == true, "\(stuck)")
        #expect(running.job.unresponsivePartitions(within: .seconds(5)).isEmpty)
    }

    /// Readiness: running and ready; draining fails it with the reason first.
    @Test func drainingFailsReadinessWithTheReason() throws {
        let running = try RunningJob()
        defer { running.stop() }
        let state = OpsState(
            pipelines: [OpsState.Pipeline(name: running.name, job: running.job)], configuration: OpsConfiguration())
        #expect(HealthChecks.readiness(state).allSatisfy { $0.ok })
        state.markDraining()
        let checks = HealthChecks.readiness(state)
        #expect(checks.first == Check(name: "process", ok: false, detail: "draining: shutting down, not taking work"))
        state.markEnded(running.name, .failed("sink 'sink' failed"))
        #expect(HealthChecks.readiness(state).contains(Check(name: "agent-metrics job", ok: false, detail: "failed: sink 'sink' failed")))
    }

    /// The lag check compares the watermark with the clock.
    @Test func aWatermarkBehindTheBoundFailsReadiness() throws {
        let running = try RunningJob()
        defer { running.stop() }
        #expect(running.awaitEvents())
        // Wait for a published watermark.
        let end = Date().addingTimeInterval(20)
        while running.job.status.watermark == nil && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        let watermark = try #require(running.job.status.watermark)
        let state = OpsState(
            pipelines: [OpsState.Pipeline(name: running.name, job: running.job)],
            configuration: OpsConfiguration(maxLag: .seconds(60)))
        let near = HealthChecks.readiness(state, nowMillis: watermark + 1_000).first { $0.name == "agent-metrics lag" }
        #expect(near?.ok == true, "\(String(describing: near))")
        let far = HealthChecks.readiness(state, nowMillis: watermark + 3_600_000).first { $0.name == "agent-metrics lag" }
        #expect(far?.ok == false)
        #expect(far?.detail.hasPrefix("watermark 36") == true, "\(String(describing: far))")
    }

    /// A PostgreSQL commit group whose server does not answer reports its breaker: not
    /// ready after a failed save, open after the threshold, and the job passes it on.
    @Test func aPostgresCommitGroupWithNoServerIsNotReady() throws {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let group = PostgresCommitGroup(
            configuration: PostgresConfiguration(uri: "postgresql://sluice@127.0.0.1:1/none", statementTimeout: .seconds(2)),
            breaker: CircuitBreaker.Configuration(
                failureThreshold: 2, coolDown: .seconds(60), backoff: Backoff(initial: .milliseconds(1), maximum: .milliseconds(5))),
            maxSaveAttempts: 1)
        #expect(group.health.ready)
        #expect(group.health.breaker == "closed")
        let checkpoint = Checkpoint(epoch: Epoch(1), partitions: 1, positions: [], states: [:])
        let error = #expect(throws: (any Error).self) { try group.save(checkpoint, pipeline: "p") }
        #expect(!group.health.ready, "\(String(describing: error))")
        #expect(group.health.detail.contains("failed attempt"), "\(group.health)")
        Thread.sleep(forTimeInterval: 0.02)
        #expect(throws: (any Error).self) { try group.save(checkpoint, pipeline: "p") }
        #expect(group.health.breaker == "open", "\(group.health)")
        #expect(group.health.detail.hasPrefix("breaker open"), "\(group.health)")

        // Through a job whose checkpoint store it is: readiness names it.
        let running = try RunningJob { $0.checkpointStore = group }
        defer { running.job.abort() }
        let state = OpsState(
            pipelines: [OpsState.Pipeline(name: running.name, job: running.job)], configuration: OpsConfiguration())
        let failing = HealthChecks.readiness(state).filter { !$0.ok }
        #expect(failing.map(\.name) == ["agent-metrics postgres commit group (schema public)"], "\(failing)")
    }
}
