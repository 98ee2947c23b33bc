import Foundation
import SluiceConnectors

/// The W1-file input (docs/WORKLOADS.md): the W1 stream for K = 10,000 as NDJSON, written
/// once into `Benchmarks/.data/` (git-ignored; 819 MB for 10,000,000 events) and reused.
public enum W1FileInput {
    /// The standard W1-file size.
    public static let standardEvents = 10_000_000

    /// Where the file for `events` events lives, whether or not it exists yet.
    public static func path(events: Int) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".data/w1-k10000-n\(events).ndjson").path
    }

    /// The file for `events` events, generated on first use (through a temporary name, so an
    /// interrupted generation never leaves a short file behind).
    public static func ensure(events: Int = standardEvents) throws -> String {
        let path = path(events: events)
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try W1WorkloadSource.writeNDJSON(agents: 10_000, events: events, to: path + ".tmp")
        try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        return path
    }
}
