#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
public import SluiceCore
import SluiceFormats

/// Writes every row it receives to standard output as NDJSON (see `NDJSONEncoder`);
/// `commit(epoch:)` flushes. Standard output is never closed.
///
/// `@unchecked Sendable`: only the runtime's sink executor calls a sink, one thread at a
/// time (the `Sink` contract), so its mutable state needs no lock.
public final class StdoutSink: Sink, @unchecked Sendable {
    public let name: String
    /// Rows that are events (a late output) are written as received when their batch
    /// kept the bytes (`ReceivedEvents`); other rows are always encoded.
    public var writesReceivedEvents = false
    private let output: OutputFile

    public convenience init(name: String) {
        self.init(name: name, descriptor: STDOUT_FILENO)
    }

    /// Writes to another descriptor the process owns (tests use a pipe).
    init(name: String, descriptor: Int32) {
        self.name = name
        output = OutputFile(descriptor: descriptor, name: "standard output")
    }

    public func open(schema: Schema, mode: SinkMode) throws {}

    public func write(_ batch: Batch) throws {
        if writesReceivedEvents {
            ReceivedEvents.appendLines(of: batch, to: &output.buffer)
        } else {
            NDJSONEncoder.encode(batch, into: &output.buffer)
        }
        try output.flushIfFull()
    }

    public func commit(epoch: Epoch) throws { try output.flush() }

    public func close() throws { try output.flush() }
}
