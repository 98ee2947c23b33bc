import Foundation
import SluiceConnectors
#if canImport(Glibc)
    import Glibc
#endif
import SluiceCore
import SluiceFormats

/// The W1-file lines archived by `ArchiveSink` (records as read from the file, byte for
/// byte), written once into `Benchmarks/.data/` next to the file and reused. The file is
/// read as one split, so the archive keeps its order: event time grows through the
/// segments like through the file (each segment ~`segmentBytes` compressed, one split each).
public enum W1ArchiveInput {
    public static func ensure(events: Int, segmentBytes: Int64 = 16 << 20) throws -> String {
        let file = try W1FileInput.ensure(events: events)
        let directory = file.replacingOccurrences(of: ".ndjson", with: ".archive")
        // The marker names the frame format, so an archive written by an older build is
        // written again (frames without content checksums, `lanes64` index checksums).
        if FileManager.default.fileExists(atPath: directory + "/complete-lanes64") { return directory }
        try? FileManager.default.removeItem(atPath: directory)
        let schema = DAA.metricSampleSchema
        var options = DecoderOptions()
        options.keepsRecords = true
        let source = try NDJSONFileSource(name: "w1", path: file, schema: schema, required: Set(schema.names), options: options)
        let reader = try source.openSplit(0, resumingAfter: nil)
        let sink = ArchiveSink(name: "w1", directory: directory, maxBytes: segmentBytes)
        try sink.open(schema: schema, mode: .append)
        var batches: UInt64 = 0
        while case .data(let batch, let rejections) = try reader.next(maxRows: 4096) {
            precondition(rejections.isEmpty && batch.records != nil)
            try sink.write(batch)
            batches += 1
            if batches % 64 == 0 { try sink.commit(epoch: Epoch(batches)) }
        }
        try sink.commit(epoch: Epoch(batches + 1))
        try sink.close()
        _ = FileManager.default.createFile(atPath: directory + "/complete-lanes64", contents: Data())
        return directory
    }

    /// Drops the pages of `file` and of every file in the archive `directory` from the
    /// page cache (each `fsync`ed first: dirty pages are not dropped), so the next read
    /// comes from the disk. Per file, not `drop_caches`: others share the machine.
    /// - Returns: the bytes still resident afterwards (0 when the kernel dropped them all).
    @discardableResult
    public static func evictFromPageCache(file: String, directory: String) throws -> Int64 {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        var resident: Int64 = 0
        for path in [file] + names.map({ directory + "/" + $0 }) {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: path]) }
            defer { close(fd) }
            _ = fsync(fd)
            _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
            resident += residentBytes(fd)
        }
        return resident
    }

    /// Bytes of `fd`'s file in the page cache (`mincore` over a mapping of it).
    private static func residentBytes(_ fd: Int32) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return 0 }
        let size = Int(info.st_size)
        guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { return 0 }
        defer { munmap(map, size) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: (size + page - 1) / page)
        guard mincore(map, size, &vector) == 0 else { return 0 }
        return Int64(vector.reduce(0) { $0 + Int($1 & 1) }) * Int64(page)
    }

    /// Bytes of the segment data files.
    public static func dataBytes(_ directory: String) throws -> Int64 {
        try ArchiveLayout.segments(in: directory).reduce(0) { $0 + $1.compressedBytes }
    }
}
