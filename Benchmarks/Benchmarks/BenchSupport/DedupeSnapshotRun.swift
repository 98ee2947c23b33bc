import Foundation
import SluiceCore
import SluiceOperators

/// De-duplication's snapshots as `sluice run` takes them, beside their raw limit.
///
/// - Engine: `DedupeRun`'s ids go through one `DedupeOperator`; after every `batchesPerEpoch`
///   batches (an epoch) it takes a snapshot into the buffer of the one before, as a partition
///   does at each barrier. Only the snapshots are timed.
/// - Raw limit: copying a buffer of the same size (16 bytes per remembered id and the
///   headers) into another, once per snapshot: writing the live ids out can cost no less.
public struct DedupeSnapshotRun {
    public struct Result {
        public let snapshots: Int
        /// Seconds in snapshots, and in copying their bytes (the raw limit).
        public let engineSeconds: Double
        public let rawSeconds: Double
        /// Ids in the last snapshot, and its bytes.
        public let lastIds: Int
        public let lastBytes: Int
        /// The last snapshot's bytes' hash, so that two builds' snapshots can be compared.
        public let lastHash: UInt64
        /// Ids written by all snapshots.
        public let idsWritten: Double
    }

    public static func run(_ input: DedupeRun, batchesPerEpoch: Int) -> Result {
        let dedupe = DedupeOperator(schema: DedupeRun.schema, idField: "id", timeField: "ts", horizonMillis: 600_000)
        var buffer: [UInt8] = []
        var copy: [UInt8] = []
        var engine = Duration.zero
        var raw = Duration.zero
        var snapshots = 0
        var idsWritten = 0
        for (i, batch) in input.batches.enumerated() {
            var out = OperatorOutput()
            dedupe.process(batch, input: 0, into: &out)
            guard i % batchesPerEpoch == batchesPerEpoch - 1 || i == input.batches.count - 1 else { continue }
            let start = ContinuousClock.now
            var writer = SnapshotWriter(reusing: &buffer)
            dedupe.snapshot(into: &writer)
            buffer = writer.bytes
            let taken = ContinuousClock.now
            engine += taken - start
            // The same bytes copied into a buffer kept between copies (as the writer's is).
            copy.removeAll(keepingCapacity: true)
            copy.append(contentsOf: buffer)
            raw += ContinuousClock.now - taken
            snapshots += 1
            idsWritten += dedupe.rememberedIds
        }
        precondition(copy == buffer)
        return Result(
            snapshots: snapshots, engineSeconds: engine.seconds, rawSeconds: raw.seconds,
            lastIds: dedupe.rememberedIds, lastBytes: buffer.count, lastHash: CheckpointParts.id(buffer[...]).high,
            idsWritten: Double(idsWritten))
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
