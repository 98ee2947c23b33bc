import Foundation
import SluiceCore

/// A fresh directory under the system's temporary directory that is removed with everything
/// in it by `remove()` or, at the latest, when the value is released.
///
/// ```swift
/// try TemporaryDirectory.with { dir in
///     try write(to: dir.path("events.ndjson"))
/// }
/// ```
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Creates the directory, named `<prefix><UUID>`.
    /// - Throws: `SluiceError.io` when it cannot be created.
    public init(prefix: String = "sluice-test-") throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(prefix + UUID().uuidString)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw SluiceError(.io, "cannot create temporary directory \(url.path): \(error)")
        }
        path = url.path
    }

    deinit { remove() }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { path + "/" + name }

    /// Removes the directory and its contents now (it is also removed on release).
    public func remove() {
        if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Runs `body` with a new directory and removes the directory afterwards.
    public static func with<T>(prefix: String = "sluice-test-", _ body: (TemporaryDirectory) throws -> T) throws -> T {
        let directory = try TemporaryDirectory(prefix: prefix)
        defer { directory.remove() }
        return try body(directory)
    }
}
