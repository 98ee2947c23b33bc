#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file opened for reading; owns its descriptor and closes it once.
final class ReadableFile {
    let path: String
    let size: Int64
    private var fd: Int32

    /// Opens `path`; fails with a message naming the path when it is missing,
    /// unreadable or a directory.
    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SluiceErrorFactory.io("cannot open '\(path)' for reading: \(POSIX.lastError())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = POSIX.lastError()
            POSIX.closeDescriptor(fd)
            throw SluiceErrorFactory.io("cannot read '\(path)': \(reason)")
        }
        guard info.st_mode & S_IFMT != S_IFDIR else {
            POSIX.closeDescriptor(fd)
            throw SluiceErrorFactory.io("cannot read '\(path)': it is a directory")
        }
        self.path = path
        self.fd = fd
        size = Int64(info.st_size)
    }

    deinit { close() }

    /// Reads up to `count` bytes at `offset`; fewer at the end of the file.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws -> Int {
        try POSIX.read(fd, into: buffer, count: count, at: offset, path: path)
    }

    /// The offset of the first line that starts at or after `offset`: `offset` itself
    /// when the byte before it is a newline, else just past the next newline (or the end).
    func lineStart(atOrAfter offset: Int64) throws -> Int64 {
        if offset <= 0 { return 0 }
        if offset >= size { return size }
        return try withUnsafeTemporaryAllocation(byteCount: 64 << 10, alignment: 16) { chunk in
            var position = offset - 1
            while position < size {
                let n = try read(into: chunk.baseAddress!, count: chunk.count, at: position)
                if n == 0 { break }
                if let found = memchr(chunk.baseAddress!, 0x0A, n) {
                    return position + Int64(found - chunk.baseAddress!) + 1
                }
                position += Int64(n)
            }
            return size
        }
    }

    /// How many newlines the first `length` bytes hold (line numbers of later splits).
    func countNewlines(before length: Int64) throws -> Int64 {
        try withUnsafeTemporaryAllocation(byteCount: 1 << 20, alignment: 16) { chunk in
            var position: Int64 = 0
            var lines: Int64 = 0
            while position < length {
                let want = Int(min(Int64(chunk.count), length - position))
                let n = try read(into: chunk.baseAddress!, count: want, at: position)
                if n == 0 { break }
                lines += Int64(NewlineScan.count(UnsafeRawBufferPointer(rebasing: chunk[0..<n])))
                position += Int64(n)
            }
            return lines
        }
    }

    func close() {
        if fd >= 0 {
            POSIX.closeDescriptor(fd)
            fd = -1
        }
    }
}
