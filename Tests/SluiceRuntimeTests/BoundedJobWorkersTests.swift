import Testing

@testable import SluiceRuntime

/// The default parallelism of a bounded job (`RunOptions.boundedJobWorkers`).
@Suite struct BoundedJobWorkersTests {
    @Test func halfTheCoresAtLeastOneUnlessRequested() {
        #expect(RunOptions.boundedJobWorkers(nil) == max(1, RunOptions.coreCount / 2))
        #expect(RunOptions.boundedJobWorkers(nil) <= RunOptions.coreCount)
        #expect(RunOptions.boundedJobWorkers(3) == 3)
        #expect(RunOptions.boundedJobWorkers(0) == 1)
        let options = RunOptions.boundedJob(workers: 3, partitions: nil)
        #expect(options.workers == 3 && options.partitions == 3)
        #expect(RunOptions.boundedJob(workers: nil, partitions: 5).partitions == 5)
    }
}
