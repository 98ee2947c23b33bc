import Foundation

enum FileSystem {
    /// Creates the directories above `path` (`.sluice/` for `.sluice/views.db`).
    static func createParentDirectory(of path: String) throws {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard !parent.isEmpty else { return }
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    }
}
