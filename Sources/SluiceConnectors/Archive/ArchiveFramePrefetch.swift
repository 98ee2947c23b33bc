import Dispatch
import SluiceCore

/// A frame of one of a split's segments: `segment` indexes the split's segments.
struct ArchiveFrameRef: Equatable, Comparable {
    var segment: Int
    var frame: Int
    static func < (a: ArchiveFrameRef, b: ArchiveFrameRef) -> Bool { (a.segment, a.frame) < (b.segment, b.frame) }
}

/// Decompresses a split's frames one ahead of its decoder: while the lines of frame `k`
/// are decoded on the split's thread, frame `k + 1` is read, checked and decompressed
/// into a second buffer on a dispatch worker, so a spare core does the LZ4 work. When
/// every core is busy it costs one buffer of memory and gains nothing.
///
/// Two buffers, each as large as the split's largest frame: the one `take` returned last
/// (the caller's until its next `take`) and the one being filled. At most one frame is in
/// flight, and every use of the segment readers is either that one job or happens after
/// waiting for it, so a reader is never used by two threads at once. A segment's reader
/// is opened at its first frame and closed at the first frame of a later segment (frames
/// are taken in segment order), so a split holds one file open, not one per segment.
///
/// `@unchecked Sendable`: the job touches only `readers`, its own buffer and its own
/// `Pending`; the owner waits on `Pending.done` before touching any of them.
final class ArchiveFramePrefetch: @unchecked Sendable {
    private final class Pending: @unchecked Sendable {
        let frame: ArchiveFrameRef
        let buffer: Int
        var result: Result<Int, any Error> = .success(0)
        let done = DispatchSemaphore(value: 0)
        init(frame: ArchiveFrameRef, buffer: Int) {
            self.frame = frame
            self.buffer = buffer
        }
    }

    private let segments: [ArchiveSegment]
    private var readers: [ArchiveSegmentReader?]
    private let buffers: [UnsafeMutableRawBufferPointer]
    private var pending: Pending?
    /// The buffer `take` returned last.
    private var current = 0

    init(segments: [ArchiveSegment], largestFrameBytes: Int) {
        self.segments = segments
        readers = Array(repeating: nil, count: segments.count)
        buffers = (0..<2).map { _ in .allocate(byteCount: max(1, largestFrameBytes), alignment: 16) }
    }

    deinit {
        close()
        for buffer in buffers { buffer.deallocate() }
    }

    /// The content of segment frame `frame`, then frame `next` (if any) started in the
    /// background. The returned bytes stay valid until the next call (or `close`).
    func take(frame: ArchiveFrameRef, thenStart next: ArchiveFrameRef?) throws -> UnsafeRawBufferPointer {
        let count: Int
        if let pending, pending.frame == frame {
            self.pending = nil
            pending.done.wait()
            current = pending.buffer
            count = try pending.result.get()
        } else {
            finishPending()  // a different frame (a resume): drop the read-ahead
            current = 1 - current
            count = try read(frame, into: buffers[current])
        }
        if let next { start(frame: next, into: 1 - current) }
        return UnsafeRawBufferPointer(rebasing: buffers[current][..<count])
    }

    /// Waits for the read-ahead, if any (before a reader is closed or the buffers freed).
    func finishPending() {
        pending?.done.wait()
        pending = nil
    }

    /// Waits for the read-ahead and closes the open segment files.
    func close() {
        finishPending()
        for index in readers.indices {
            readers[index]?.close()
            readers[index] = nil
        }
    }

    private func start(frame: ArchiveFrameRef, into buffer: Int) {
        let job = Pending(frame: frame, buffer: buffer)
        pending = job
        DispatchQueue.global().async { [self] in
            job.result = Result { try read(frame, into: buffers[buffer]) }
            job.done.signal()
        }
    }

    private func read(_ frame: ArchiveFrameRef, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        for earlier in 0..<frame.segment where readers[earlier] != nil {
            readers[earlier]?.close()
            readers[earlier] = nil
        }
        let reader = try readers[frame.segment] ?? ArchiveSegmentReader(segment: segments[frame.segment])
        readers[frame.segment] = reader
        return try reader.read(frame: frame.frame, into: buffer)
    }
}
