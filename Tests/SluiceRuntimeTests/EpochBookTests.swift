import SluiceCore
import Testing

@testable import SluiceRuntime

/// The order in which a job completes its epochs, decided from what has been reported.
@Suite struct EpochBookTests {
    /// Two sinks (one the dead-letter sink) and two operator instances, restored at epoch 19.
    static func book() -> EpochBook {
        EpochBook(
            totalSinks: 2, instances: 2, snapshotsEnabled: true, restoredPositions: [nil],
            restoredMaxTimes: [nil], lastCompleted: 19)
    }

    /// The interleaving CI hit (session 16): the last sink finished while epoch 20 still
    /// lacked a report, and the final epoch 21 was completed before it; the save of 20
    /// then failed because 21 was already stored.
    @Test func theFinalEpochWaitsForEveryOlderPendingEpoch() {
        var book = Self.book()
        book.positions[20] = [0: SourcePosition(source: "events", split: 0, offset: 5)]
        book.commits[20] = [0, 1]
        book.snapshots[20] = [0: []]
        #expect(book.nextCompletion() == nil)
        book.finishedSinkSet = [0, 1]
        book.finalStates = [0: [], 1: []]
        book.finalEpoch = Epoch(21)
        #expect(book.nextCompletion() == .epoch(Epoch(20)))
        #expect(book.nextCompletion() == .final(Epoch(21)))
        #expect(book.nextCompletion() == nil)
    }

    /// A report that arrives after the final epoch was handed out completes nothing.
    @Test func nothingCompletesAfterTheFinalEpoch() {
        var book = Self.book()
        book.finishedSinkSet = [0, 1]
        book.finalStates = [0: [], 1: []]
        book.finalEpoch = Epoch(20)
        #expect(book.nextCompletion() == .final(Epoch(20)))
        book.snapshots[20] = [0: []]
        book.commits[19] = [0]
        #expect(book.nextCompletion() == nil)
    }

    /// With snapshots on, the final epoch also waits for every instance's final state:
    /// without it the final checkpoint could not be written.
    @Test func theFinalEpochWaitsForEveryFinalState() {
        var book = Self.book()
        book.finishedSinkSet = [0, 1]
        book.finalStates = [0: []]
        book.finalEpoch = Epoch(20)
        #expect(book.nextCompletion() == nil)
        book.finalStates[1] = []
        #expect(book.nextCompletion() == .final(Epoch(20)))
    }

    /// A sink fed by fewer sources may have read the final epoch before barriers others
    /// carried: the final checkpoint still comes after every completed epoch.
    @Test func theFinalEpochComesAfterEveryCompletedOne() {
        var book = Self.book()
        book.commits[20] = [0, 1]
        book.snapshots[20] = [0: [], 1: []]
        #expect(book.nextCompletion() == .epoch(Epoch(20)))
        book.finishedSinkSet = [0, 1]
        book.finalStates = [0: [], 1: []]
        book.finalEpoch = Epoch(20)
        #expect(book.nextCompletion() == .final(Epoch(21)))
    }

    /// With snapshots off, nothing waits for final states.
    @Test func withoutSnapshotsTheFinalEpochWaitsOnlyForTheSinks() {
        var book = EpochBook(
            totalSinks: 2, instances: 2, snapshotsEnabled: false, restoredPositions: [nil], restoredMaxTimes: [nil],
            lastCompleted: 19)
        book.finishedSinkSet = [0, 1]
        book.finalEpoch = Epoch(20)
        #expect(book.nextCompletion() == .final(Epoch(20)))
    }

    /// Epochs complete in order: a newer complete epoch waits behind an older incomplete one.
    @Test func epochsCompleteOldestFirst() {
        var book = Self.book()
        book.commits[20] = [0]
        book.commits[21] = [0, 1]
        book.snapshots[21] = [0: [], 1: []]
        #expect(book.nextCompletion() == nil)
        book.commits[20] = [0, 1]
        book.snapshots[20] = [0: [], 1: []]
        #expect(book.nextCompletion() == .epoch(Epoch(20)))
        #expect(book.nextCompletion() == .epoch(Epoch(21)))
        #expect(book.nextCompletion() == nil)
    }
}
