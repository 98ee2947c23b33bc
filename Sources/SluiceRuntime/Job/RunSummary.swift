public import SluiceCore

/// What a run did, for the final report of `sluice batch` and for tests.
public struct RunSummary: Sendable, CustomStringConvertible {
    public var eventsIn: Int64 = 0
    public var rejected: Int64 = 0
    public var late: Int64 = 0
    public var lateUpdates: Int64 = 0
    public var duplicates: Int64 = 0
    /// Rows written per sink name.
    public var rowsOut: [String: Int64] = [:]
    public var epochsCommitted = 0
    public var elapsedSeconds: Double = 0
    /// How the run ended.
    public var outcome: Outcome = .completed
    /// The first rejections, kept when no dead-letter sink is configured.
    public var sampleRejections: [Rejection] = []

    public enum Outcome: String, Sendable {
        /// Every bounded input ended and every sink committed.
        case completed
        /// Stopped on request; state and positions committed as of the last epoch.
        case stopped
        /// Ended abruptly (crash simulation); nothing after the last durable epoch counts.
        case aborted
    }

    public var eventsPerSecond: Double { elapsedSeconds > 0 ? Double(eventsIn) / elapsedSeconds : 0 }
    public var totalRowsOut: Int64 { rowsOut.values.reduce(0, +) }

    public var description: String {
        let rate = eventsPerSecond >= 1e6
            ? "\(Double(Int(eventsPerSecond / 1e4)) / 100) M ev/s" : "\(Int(eventsPerSecond)) ev/s"
        var lines = [
            "\(outcome.rawValue): \(eventsIn) events in, \(totalRowsOut) rows out, \(rejected) rejected, "
                + "\(late) late, \(duplicates) duplicates in \(String(Double(Int(elapsedSeconds * 1000)) / 1000)) s (\(rate))"
        ]
        for name in rowsOut.keys.sorted() { lines.append("  \(name): \(rowsOut[name]!) rows") }
        return lines.joined(separator: "\n")
    }
}
