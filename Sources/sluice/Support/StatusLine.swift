import Foundation

/// A one-line status on a terminal, redrawn in place: events, rate, dead letters and,
/// for bounded runs, a progress bar with percent, rate and ETA.
struct StatusLine {
    private var lastEvents: Int64 = 0
    private var lastTime = ContinuousClock.now
    private var rate: Double = 0
    private let started = ContinuousClock.now

    /// The line for `events` read and `rejected` so far, with `progress` (0...1) when known.
    mutating func text(events: Int64, rejected: Int64, progress: Double?, label: String) -> String {
        let now = ContinuousClock.now
        let elapsed = Self.seconds(now - lastTime)
        if elapsed >= 0.5 {
            let instant = Double(events - lastEvents) / elapsed
            rate = rate == 0 ? instant : 0.6 * rate + 0.4 * instant  // smooth the jitter of ticks
            lastEvents = events
            lastTime = now
        }
        var parts = [label, "\(Self.count(events)) events", "\(Self.count(Int64(rate))) ev/s", "\(Self.count(rejected)) dead-lettered"]
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

    /// 75 → "1:15".
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
