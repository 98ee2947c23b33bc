import Foundation
import SluiceCore
import SluicePipeline
import SluiceRuntime
import Synchronization
import Testing

/// `Job.status` (what `sluice run` shows) moves forward while a job runs and ends equal to
/// the run summary.
@Suite struct JobStatusTests {
    @Test func statusGrowsDuringTheRunAndMatchesTheSummaryAtTheEnd() throws {
        let uri = "generator:daa?seed=5&agents=60&count=120000&late=0.02&duplicates=0.02&splits=2"
        let spec = try PipelineRunSupport.load("agent-metrics", events: uri)
        let planned = try PipelinePlanner(catalog: Catalog(memory: MemoryConnectors())).plan(spec)
        var options = RunOptions(workers: 2, partitions: 3)
        options.deadLetter = planned.deadLetter
        let job = try Job(planned.dataflow, options: options)

        let outcome = Mutex<Result<RunSummary, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let result = Result { try job.run() }
            outcome.withLock { $0 = result }
            done.signal()
        }
        var seen: [JobStatus] = []
        while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut { seen.append(job.status) }
        let summary = try #require(outcome.withLock { $0 }).get()

        // The debug build takes seconds over this input: the poll sees it half done.
        #expect(seen.contains { $0.eventsRead > 0 && $0.eventsRead < summary.eventsIn })
        for (earlier, later) in zip(seen, seen.dropFirst()) {
            #expect(later.eventsRead >= earlier.eventsRead)
            #expect(later.late >= earlier.late)
            #expect(later.duplicates >= earlier.duplicates)
            if let before = earlier.watermark { #expect((later.watermark ?? .min) >= before) }
        }
        let final = job.status
        #expect(final.eventsRead == summary.eventsIn)
        #expect(final.late == summary.late && summary.late > 0)
        #expect(final.duplicates == summary.duplicates && summary.duplicates > 0)
        #expect(final.lateUpdates == summary.lateUpdates)
        #expect(final.epochsCommitted == summary.epochsCommitted)
        #expect(final.watermark == .endOfTime)
    }
}
