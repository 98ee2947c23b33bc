public import SluiceCore
import SluiceFormats

/// Writes every row it receives to a file as NDJSON (see `NDJSONEncoder`).
///
/// The file and its parent directories are created on `open`; with `append: false` an
/// existing file is truncated. `commit(epoch:)` writes the buffered rows and `fsync`s,
/// so they are durable when it returns. In `.upsert` mode rows are still appended in
/// order (the last row of a key is its current value): a file has no keyed update.
/// Delivery is at least once: rows of an epoch replayed after a crash appear again.
///
/// Size: the file rolls by `rolling` (default `RollingPolicy.standard`: at 256 MB, three
/// older files kept as `path.1` … `path.3`), so a sink running for days holds a bounded
/// amount of disk. Rows of one batch always land in one file.
///
/// `@unchecked Sendable`: only the runtime's sink executor calls a sink, one thread at a
/// time (the `Sink` contract), so its mutable state needs no lock.
public final class NDJSONFileSink: Sink, @unchecked Sendable {
    public let name: String
    /// Rows that are events (a late output) are written as received when their batch
    /// kept the bytes (`ReceivedEvents`); other rows are always encoded.
    public var writesReceivedEvents = false
    public let path: String
    public let append: Bool
    public let rolling: RollingPolicy
    private var file: OutputFile?

    public init(name: String, path: String, append: Bool, rolling: RollingPolicy = .standard) {
        self.name = name
        self.path = path
        self.append = append
        self.rolling = rolling
    }

    public func open(schema: Schema, mode: SinkMode) throws {
        guard file == nil else { return }
        file = try OutputFile(path: path, append: append, rolling: rolling)
    }

    public func write(_ batch: Batch) throws {
        let file = try openFile()
        if writesReceivedEvents {
            ReceivedEvents.appendLines(of: batch, to: &file.buffer)
        } else {
            NDJSONEncoder.encode(batch, into: &file.buffer)
        }
        try file.flushIfFull()
    }

    public func commit(epoch: Epoch) throws {
        try openFile().sync()
    }

    public func close() throws {
        guard let file else { return }
        self.file = nil
        try file.close()
    }

    private func openFile() throws -> OutputFile {
        guard let file, file.isOpen else { throw SluiceError(.sinkFailed, "sink '\(name)' is not open") }
        return file
    }
}
