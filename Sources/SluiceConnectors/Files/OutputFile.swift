#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A buffered writer over a file descriptor, for the file and stdout sinks.
///
/// Bytes collect in `buffer` and go to the descriptor on `flush()` (callers flush when
/// the buffer passes `flushThreshold`, and only with whole records in it); `sync()` makes
/// written bytes durable. A file with a `RollingPolicy` rolls before a flush that would
/// take it past the limit.
final class OutputFile {
    static let flushThreshold = 1 << 20

    let path: String
    var buffer: [UInt8] = []
    private var fd: Int32
    private let ownsDescriptor: Bool
    private let rolling: RollingPolicy
    /// Bytes in the current file (what was there on open, plus what was written).
    private(set) var size: Int64 = 0

    /// Opens (creating it and its parent directories) `path` for writing, appending to
    /// what is there or truncating it.
    init(path: String, append: Bool, rolling: RollingPolicy = .unbounded) throws {
        try POSIX.createParentDirectories(of: path)
        self.path = path
        self.rolling = rolling
        ownsDescriptor = true
        fd = try Self.openDescriptor(path, append: append)
        size = POSIX.fileSize(fd)
        buffer.reserveCapacity(OutputFile.flushThreshold + (64 << 10))
    }

    /// Wraps a descriptor the process owns (standard output): never closed or synced.
    init(descriptor: Int32, name: String) {
        path = name
        fd = descriptor
        ownsDescriptor = false
        rolling = .unbounded
    }

    private static func openDescriptor(_ path: String, append: Bool) throws -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw SluiceErrorFactory.io("cannot open '\(path)' for writing: \(POSIX.lastError())") }
        return fd
    }

    deinit { closeDescriptor() }

    var isOpen: Bool { fd >= 0 }

    /// Writes the buffered bytes.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        guard fd >= 0 else { throw SluiceErrorFactory.io("'\(path)' is closed") }
        if let limit = rolling.maxBytes {
            try followRolls()
            if size > 0 && size + Int64(buffer.count) > limit { try roll() }
        }
        try buffer.withUnsafeBytes { try POSIX.writeAll(fd, $0, path: path) }
        size += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Several writers may share one file (the pipelines of one `sluice run` share the
    /// dead-letter file): when another one rolled `path`, this one reopens the new `path`
    /// instead of growing the rolled file, and takes the size from the file itself.
    private func followRolls() throws {
        var open = stat()
        var named = stat()
        if fstat(fd, &open) == 0, stat(path, &named) == 0, open.st_ino == named.st_ino, open.st_dev == named.st_dev {
            size = Int64(open.st_size)
            return
        }
        closeDescriptor()
        fd = try Self.openDescriptor(path, append: true)
        size = POSIX.fileSize(fd)
    }

    /// Makes the current file durable and moves it to `path.1` (shifting older ones up,
    /// dropping the one past `keep`), then continues in an empty `path`.
    private func roll() throws {
        if fsync(fd) != 0 { throw SluiceErrorFactory.io("cannot sync '\(path)': \(POSIX.lastError())") }
        closeDescriptor()
        try POSIX.removeIfPresent(rolling.keep == 0 ? path : "\(path).\(rolling.keep)")
        if rolling.keep > 0 {
            for n in stride(from: rolling.keep - 1, through: 1, by: -1) {
                try POSIX.renameIfPresent("\(path).\(n)", to: "\(path).\(n + 1)")
            }
            try POSIX.renameIfPresent(path, to: "\(path).1")
        }
        // Appending, not truncating: another writer of this file may already have made
        // the new `path`, and every writer of a shared file must append.
        fd = try Self.openDescriptor(path, append: true)
        size = POSIX.fileSize(fd)
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
