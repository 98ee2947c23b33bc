#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceCore

/// A file opened for writing (created or truncated) through plain POSIX calls, so large
/// generated files are written straight from byte buffers.
final class GeneratedFile {
    private var descriptor: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor < 0 { throw Self.error("cannot create", path) }
    }

    deinit { if descriptor >= 0 { _ = closeDescriptor(descriptor) } }

    /// Writes all `count` bytes at `bytes`, retrying short writes and interruptions.
    func write(_ bytes: UnsafeRawPointer, count: Int) throws {
        var done = 0
        while done < count {
            let n = writeDescriptor(descriptor, bytes + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.error("cannot write", path)
            }
            done += n
        }
    }

    func close() throws {
        let result = closeDescriptor(descriptor)
        descriptor = -1
        if result != 0 { throw Self.error("cannot close", path) }
    }

    private static func error(_ what: String, _ path: String) -> SluiceError {
        SluiceError(.io, "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}

// At file scope these names reach the C functions, which `GeneratedFile.close()` would shadow.
private func closeDescriptor(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func writeDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
