import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats
import Testing

/// A file source's consumer lag: the bytes of the file no split has read yet.
@Suite struct FileSourceLagTests {
    func source(_ path: String, splits: Int) throws -> NDJSONFileSource {
        try NDJSONFileSource(
            name: "events", path: path, schema: DAA.metricSampleSchema, required: [], splits: splits, batchRows: 100,
            readBufferBytes: 4096)
    }

    @Test func lagIsTheFileSizeUntilReadThenShrinksByEachChunkToZero() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let (bytes, _) = FileSourceTests.mixedFile()
        let path = try dir.write("lag.ndjson", bytes)
        let source = try source(path, splits: 3)
        #expect(source.consumerLag == ConsumerLag(unit: "bytes", amount: Int64(bytes.count)))

        // Read split 1 chunk by chunk: after each chunk the lag is the file minus what
        // split 1 consumed (its chunk's position − the split's start).
        let start = try source.range(ofSplit: 1).lowerBound
        let reader = try source.openSplit(1, resumingAfter: nil)
        var chunks = 0
        while case .data(let batch, _) = try reader.next(maxRows: 100) {
            let offset = try #require(batch.position?.offset)
            #expect(source.consumerLag?.amount == Int64(bytes.count) - (offset - start))
            chunks += 1
        }
        reader.close()
        #expect(chunks > 2)
        let split1 = try source.range(ofSplit: 1)
        #expect(source.consumerLag?.amount == Int64(bytes.count) - (split1.upperBound - split1.lowerBound))

        for split in [0, 2] {
            let reader = try source.openSplit(split, resumingAfter: nil)
            _ = try drain(reader)
            reader.close()
        }
        #expect(source.consumerLag == ConsumerLag(unit: "bytes", amount: 0))
    }

    @Test func aResumedSplitCountsWhatItsCheckpointHadRead() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let (bytes, _) = FileSourceTests.mixedFile()
        let path = try dir.write("lag.ndjson", bytes)
        let first = try source(path, splits: 1)
        let reader = try first.openSplit(0, resumingAfter: nil)
        guard case .data(let batch, _) = try reader.next(maxRows: 100) else {
            Issue.record("no first chunk")
            return
        }
        reader.close()
        let position = try #require(batch.position)
        // A new source (a restarted run) opened at the checkpointed position.
        let second = try source(path, splits: 1)
        let resumed = try second.openSplit(0, resumingAfter: position)
        #expect(second.consumerLag?.amount == Int64(bytes.count) - position.offset)
        resumed.close()
    }
}
