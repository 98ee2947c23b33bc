public import SluiceCore
import SluiceFormats

/// Appends rejected records to an NDJSON dead-letter file, one `DeadLetterEncoder` line
/// each.
///
/// The file (and its parent directories) is created on the first write and always
/// appended to, so dead letters of earlier runs are kept — within `rolling` (default
/// `RollingPolicy.standard`: at 256 MB the file becomes `path.1`, three older files are
/// kept). `flush()` writes what is buffered and `fsync`s; the runtime flushes with every
/// epoch commit.
///
/// `@unchecked Sendable`: only the runtime's sink executor calls it, one thread at a
/// time, so its mutable state needs no lock.
public final class DeadLetterFileSink: @unchecked Sendable {
    public let path: String
    public let pipeline: String
    public let rolling: RollingPolicy
    private var file: OutputFile?

    public init(path: String, pipeline: String, rolling: RollingPolicy = .standard) {
        self.path = path
        self.pipeline = pipeline
        self.rolling = rolling
    }

    /// Buffers the rejections of `source` (written at the latest on `flush()`).
    public func write(_ rejections: [Rejection], source: String) throws {
        guard !rejections.isEmpty else { return }
        let file = try openFile()
        for rejection in rejections {
            file.buffer.append(contentsOf: DeadLetterEncoder.encode(rejection, pipeline: pipeline, source: source))
        }
        try file.flushIfFull()
    }

    /// Writes everything buffered and makes it durable.
    public func flush() throws {
        try file?.sync()
    }

    /// Flushes and closes the file; a later write opens it again.
    public func close() throws {
        guard let file else { return }
        self.file = nil
        try file.close()
    }

    private func openFile() throws -> OutputFile {
        if let file { return file }
        let opened = try OutputFile(path: path, append: true, rolling: rolling)
        file = opened
        return opened
    }
}
