public import SluiceCore
import SluiceFormats
import Synchronization

/// Appends rejected records to an NDJSON dead-letter file, one `DeadLetterEncoder` line
/// each.
///
/// The file (and its parent directories) is created on the first write and always
/// appended to, so dead letters of earlier runs are kept — within `rolling` (default
/// `RollingPolicy.standard`: at 256 MB the file becomes `path.1`, three older files are
/// kept). `flush()` writes what is buffered and `fsync`s; the runtime flushes with every
/// epoch commit.
///
/// Thread-safe: a pipeline's dead-letter executor and its duplicates sink write to the
/// same file from their own queues, so every access to the file takes the lock.
public final class DeadLetterFileSink: @unchecked Sendable {
    // `file` is only touched under `lock`.
    public let path: String
    public let pipeline: String
    public let rolling: RollingPolicy
    private var file: OutputFile?
    private let lock = Mutex(())

    public init(path: String, pipeline: String, rolling: RollingPolicy = .standard) {
        self.path = path
        self.pipeline = pipeline
        self.rolling = rolling
    }

    /// Buffers the rejections of `source` (written at the latest on `flush()`).
    public func write(_ rejections: [Rejection], source: String) throws {
        guard !rejections.isEmpty else { return }
        try lock.withLock { _ in try append(rejections, source: source) }
    }

    private func append(_ rejections: [Rejection], source: String) throws {
        let file = try openFile()
        for rejection in rejections {
            file.buffer.append(contentsOf: DeadLetterEncoder.encode(rejection, pipeline: pipeline, source: source))
        }
        try file.flushIfFull()
    }

    /// Writes everything buffered and makes it durable.
    public func flush() throws {
        try lock.withLock { _ in try file?.sync() }
    }

    /// Flushes and closes the file; a later write opens it again.
    public func close() throws {
        try lock.withLock { _ in
            guard let file else { return }
            self.file = nil
            try file.close()
        }
    }

    private func openFile() throws -> OutputFile {
        if let file { return file }
        let opened = try OutputFile(path: path, append: true, rolling: rolling)
        file = opened
        return opened
    }
}
