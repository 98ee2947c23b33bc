import Dispatch
import SluiceCore

/// Decompresses a split's frames one ahead of its decoder: while the lines of frame `k`
/// are decoded on the split's thread, frame `k + 1` is read, checked and decompressed
/// into a second buffer on a dispatch worker, so a spare core does the LZ4 work. When
/// every core is busy it costs one buffer of memory and gains nothing.
///
/// Two buffers, each as large as the split's largest frame: the one `take` returned last
/// (the caller's until its next `take`) and the one being filled. At most one frame is in
/// flight, and every use of the segment reader is either that one job or happens after
/// waiting for it, so the reader is never used by two threads at once.
///
/// `@unchecked Sendable`: the job touches only `reader`, its own buffer and its own
/// `Pending`; the owner waits on `Pending.done` before touching any of them.
final class ArchiveFramePrefetch: @unchecked Sendable {
    private final class Pending: @unchecked Sendable {
        let frame: Int
        let buffer: Int
        var result: Result<Int, any Error> = .success(0)
        let done = DispatchSemaphore(value: 0)
        init(frame: Int, buffer: Int) {
            self.frame = frame
            self.buffer = buffer
        }
    }

    private let reader: ArchiveSegmentReader
    private let buffers: [UnsafeMutableRawBufferPointer]
    private var pending: Pending?
    /// The buffer `take` returned last.
    private var current = 0

    init(reader: ArchiveSegmentReader, largestFrameBytes: Int) {
        self.reader = reader
        buffers = (0..<2).map { _ in .allocate(byteCount: max(1, largestFrameBytes), alignment: 16) }
    }

    deinit {
        finishPending()
        for buffer in buffers { buffer.deallocate() }
    }

    /// The content of segment frame `frame`, then frame `next` (if any) started in the
    /// background. The returned bytes stay valid until the next call (or `close`).
    func take(frame: Int, thenStart next: Int?) throws -> UnsafeRawBufferPointer {
        let count: Int
        if let pending, pending.frame == frame {
            self.pending = nil
            pending.done.wait()
            current = pending.buffer
            count = try pending.result.get()
        } else {
            finishPending()  // a different frame (a resume): drop the read-ahead
            current = 1 - current
            count = try reader.read(frame: frame, into: buffers[current])
        }
        if let next { start(frame: next, into: 1 - current) }
        return UnsafeRawBufferPointer(rebasing: buffers[current][..<count])
    }

    /// Waits for the read-ahead, if any (before the reader is closed or the buffers freed).
    func finishPending() {
        pending?.done.wait()
        pending = nil
    }

    private func start(frame: Int, into buffer: Int) {
        let job = Pending(frame: frame, buffer: buffer)
        pending = job
        DispatchQueue.global().async { [self] in
            job.result = Result { try reader.read(frame: frame, into: buffers[buffer]) }
            job.done.signal()
        }
    }
}
