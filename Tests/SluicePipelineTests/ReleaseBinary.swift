import Foundation
import Synchronization

/// The `sluice` binary built with `-c release`, which is what users run: shutdown bugs
/// that only the optimizer produces (a signal source released early) show only there.
///
/// `ops/test.sh` builds it before `swift test` and names it in `SLUICE_RELEASE_BIN`. When
/// the variable is absent: on CI (`CI=true`) that is a failure; on a developer machine
/// the binary is built once into `.build/release-for-tests` (its own scratch directory,
/// because the running `swift test` holds the lock on `.build`), which takes minutes the
/// first time and seconds afterwards.
enum ReleaseBinary {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    private static let cache = Mutex<Result<String, Unavailable>?>(nil)

    /// The path of the release binary, building it when allowed (see the type's comment).
    static func path() throws -> String {
        try cache.withLock { cached in
            if cached == nil { cached = locate() }
            return try cached!.get()
        }
    }

    private static func locate() -> Result<String, Unavailable> {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SLUICE_RELEASE_BIN"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                return .failure(Unavailable(description: "SLUICE_RELEASE_BIN=\(path) is not an executable file"))
            }
            return .success(path)
        }
        if environment["CI"] == "true" {
            return .failure(
                Unavailable(
                    description: "SLUICE_RELEASE_BIN is not set: on CI, ops/test.sh builds the release binary "
                        + "(swift build -c release --product sluice) and sets it before swift test"))
        }
        let scratch = packageRoot + "/.build/release-for-tests"
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["swift", "build", "-c", "release", "--product", "sluice", "--scratch-path", scratch]
        build.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        let output = Pipe()
        build.standardOutput = output
        build.standardError = output
        do {
            try build.run()
        } catch {
            return .failure(Unavailable(description: "cannot start swift build for the release binary: \(error)"))
        }
        let log = output.fileHandleForReading.readDataToEndOfFile()
        build.waitUntilExit()
        let binary = scratch + "/release/sluice"
        guard build.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: binary) else {
            return .failure(
                Unavailable(
                    description: "swift build -c release --product sluice failed:\n"
                        + String(decoding: log.suffix(4000), as: UTF8.self)))
        }
        return .success(binary)
    }
}
