#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A buffered writer over a file descriptor, for the file and stdout sinks.
///
/// Bytes collect in `buffer` and go to the descriptor on `flush()` (callers flush when
/// the buffer passes `flushThreshold`); `sync()` makes written bytes durable.
final class OutputFile {
    static let flushThreshold = 1 << 20

    let path: String
    var buffer: [UInt8] = []
    private var fd: Int32
    private let ownsDescriptor: Bool

    /// Opens (creating it and its parent directories) `path` for writing, appending to
    /// what is there or truncating it.
    init(path: String, append: Bool) throws {
        try POSIX.createParentDirectories(of: path)
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw SluiceErrorFactory.io("cannot open '\(path)' for writing: \(POSIX.lastError())") }
        self.path = path
        self.fd = fd
        ownsDescriptor = true
        buffer.reserveCapacity(OutputFile.flushThreshold + (64 << 10))
    }

    /// Wraps a descriptor the process owns (standard output): never closed or synced.
    init(descriptor: Int32, name: String) {
        path = name
        fd = descriptor
        ownsDescriptor = false
    }

    deinit { closeDescriptor() }

    var isOpen: Bool { fd >= 0 }

    /// Writes the buffered bytes.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        guard fd >= 0 else { throw SluiceErrorFactory.io("'\(path)' is closed") }
        try buffer.withUnsafeBytes { try POSIX.writeAll(fd, $0, path: path) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes when the buffer has grown past the threshold.
    func flushIfFull() throws {
        if buffer.count >= OutputFile.flushThreshold { try flush() }
    }

    /// Flushes, then makes everything written durable (`fsync`) for files this owns.
    func sync() throws {
        try flush()
        guard ownsDescriptor, fd >= 0 else { return }
        if fsync(fd) != 0 { throw SluiceErrorFactory.io("cannot sync '\(path)': \(POSIX.lastError())") }
    }

    /// Syncs and closes; later writes fail.
    func close() throws {
        defer { closeDescriptor() }
        try sync()
    }

    private func closeDescriptor() {
        if ownsDescriptor && fd >= 0 { POSIX.closeDescriptor(fd) }
        fd = -1
    }
}
