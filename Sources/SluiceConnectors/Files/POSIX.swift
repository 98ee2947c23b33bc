#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small helpers over the C library's file calls; every failure becomes a message that
/// names the path and the system's reason.
enum POSIX {
    /// The text of the current `errno`.
    static func lastError() -> String { String(cString: strerror(errno)) }

    /// Creates every missing directory on the way to `path`'s parent (`mkdir -p`).
    static func createParentDirectories(of path: String) throws {
        var components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast()
        var current = path.hasPrefix("/") ? "" : "."
        for component in components where !component.isEmpty {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw SluiceErrorFactory.io("cannot create directory '\(current)': \(lastError())")
            }
        }
    }

    /// The size of the open file `fd` (0 when it cannot be told).
    static func fileSize(_ fd: Int32) -> Int64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// Deletes `path`; a missing file is fine.
    static func removeIfPresent(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw SluiceErrorFactory.io("cannot remove '\(path)': \(lastError())")
        }
    }

    /// Renames `from` to `to` (replacing it); a missing `from` is fine.
    static func renameIfPresent(_ from: String, to: String) throws {
        if rename(from, to) != 0 && errno != ENOENT {
            throw SluiceErrorFactory.io("cannot rename '\(from)' to '\(to)': \(lastError())")
        }
    }

    /// Closes a descriptor (a named wrapper: types with a `close()` method cannot call
    /// the C function by its plain name).
    static func closeDescriptor(_ fd: Int32) { _ = close(fd) }

    /// Reads up to `count` bytes at `offset`, retrying interrupted calls.
    static func read(
        _ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64, path: String
    ) throws -> Int {
        while true {
            let n = pread(fd, buffer, count, off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw SluiceErrorFactory.io("cannot read '\(path)': \(lastError())") }
        }
    }

    /// Writes all of `bytes`, retrying interrupted calls and partial writes.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SluiceErrorFactory.io("cannot write '\(path)': \(lastError())")
            }
            offset += n
        }
    }
}
