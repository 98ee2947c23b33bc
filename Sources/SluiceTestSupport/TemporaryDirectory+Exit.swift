import Foundation
import Synchronization

extension TemporaryDirectory {
    /// Removes the directory when the process exits: for one held by a `static` fixture,
    /// which is never released (so `deinit` never runs and each test run left its files).
    public func removeAtExit() {
        ExitRemovals.paths.withLock { paths in
            if paths.isEmpty { atexit { ExitRemovals.removeAll() } }
            paths.append(path)
        }
    }
}

private enum ExitRemovals {
    static let paths = Mutex<[String]>([])

    static func removeAll() {
        for path in paths.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
    }
}
