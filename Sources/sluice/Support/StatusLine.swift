import Foundation
import SluiceCore
import SluiceRuntime

/// A one-line status on a terminal, redrawn in place: events, rate, dead letters, late
/// events and duplicates when there are any, the event-time watermark and, for bounded
/// runs, a progress bar with percent and ETA.
struct StatusLine {
    private var lastEvents: Int64 = 0
    private var lastTime = ContinuousClock.now
    private var rate: Double = 0
    private let started = ContinuousClock.now

    /// The line for a job's (or several jobs' combined) status.
    mutating func text(_ status: JobStatus, label: String) -> String {
        let events = status.eventsRead
        let progress = status.progress
        let now = ContinuousClock.now
        let elapsed = Self.seconds(now - lastTime)
        if elapsed >= 0.5 {
            let instant = Double(events - lastEvents) / elapsed
            rate = rate == 0 ? instant : 0.6 * rate + 0.4 * instant  // smooth the jitter of ticks
            lastEvents = events
            lastTime = now
        }
        var parts = [label, "\(Self.count(events)) events", "\(Self.count(Int64(rate))) ev/s", "\(Self.count(status.rejected)) dead-lettered"]
        if status.late > 0 { parts.append("\(Self.count(status.late)) late") }
        if status.duplicates > 0 { parts.append("\(Self.count(status.duplicates)) duplicates") }
        if let watermark = status.watermark, watermark != .endOfTime, watermark != .beginningOfTime {
            parts.append("watermark " + Self.utcTime(watermark))
        }
        if let progress {
            let clamped = min(1, max(0, progress))
            let width = 24
            let filled = Int((clamped * Double(width)).rounded(.down))
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            let total = Self.seconds(now - started)
            let eta = clamped > 0.001 ? total * (1 - clamped) / clamped : nil
            parts.insert("\(bar) \(Int(clamped * 100))%", at: 1)
            parts.append("ETA " + (eta.map(Self.clock) ?? "--:--"))
        } else {
            parts.append(Self.clock(Self.seconds(now - started)))
        }
        return parts.joined(separator: " · ")
    }

    /// `\r`, the text and erase-to-end-of-line: the line replaces the previous one.
    static func redraw(_ text: String) { Terminal.writeError("\r" + text + "\u{1B}[K") }

    /// Removes the status line before normal output.
    static func clear() { Terminal.writeError("\r\u{1B}[K") }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// 1234567 → "1.23M", 45600 → "45.6k".
    static func count(_ value: Int64) -> String {
        let v = Double(value)
        if v >= 1e9 { return String(format: "%.2fG", v / 1e9) }
        if v >= 1e6 { return String(format: "%.2fM", v / 1e6) }
        if v >= 1e4 { return String(format: "%.1fk", v / 1e3) }
        return String(value)
    }

    /// Event time as UTC wall-clock time of day, "14:03:27".
    static func utcTime(_ millis: EventTime) -> String {
        let seconds = Int((millis / 1000) % 86_400 + 86_400) % 86_400
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    /// 75 → "1:15".
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}

extension JobStatus {
    /// Several jobs' statuses as one: sums, the lowest watermark, no progress.
    static func combined(_ statuses: [JobStatus]) -> JobStatus {
        var total = JobStatus()
        for status in statuses {
            total.eventsRead += status.eventsRead
            total.rejected += status.rejected
            total.late += status.late
            total.lateUpdates += status.lateUpdates
            total.duplicates += status.duplicates
            total.epochsCommitted += status.epochsCommitted
            if let w = status.watermark { total.watermark = min(total.watermark ?? w, w) }
        }
        if statuses.count == 1 { total.progress = statuses[0].progress }
        return total
    }
}
