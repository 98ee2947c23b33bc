import SluiceCore

extension W1WorkloadSource {
    /// Writes the W1-file (`workloads.md`): events 0..<`events` in order of e, one line each,
    /// `{"agent_id":"agent-006180","metric":"queue_depth","value":760.53,"ts":1763999999689}`,
    /// with `agent_id` as `agent-%06d` and the value with exactly two decimals. For K = 10,000
    /// and N = 10,000,000 the file has 818,899,995 bytes.
    ///
    /// Lines are assembled in a large byte buffer and written in chunks; nothing is formatted
    /// through `String`.
    /// - Throws: `SluiceError.invalidArgument` for K < 1 or N < 0, `SluiceError.io` when the
    ///   file cannot be written.
    public static func writeNDJSON(agents: Int, events: Int, to path: String) throws {
        guard agents >= 1, events >= 0 else {
            throw SluiceError(.invalidArgument, "w1: agents must be positive and events non-negative")
        }
        let file = try GeneratedFile(path: path)
        let chunkEvents = 16_384
        var buffer = [UInt8](repeating: 0, count: chunkEvents * W1LineWriter.maxLineLength)
        let writer = W1LineWriter()
        var e = 0
        while e < events {
            let end = min(events, e + chunkEvents)
            try buffer.withUnsafeMutableBufferPointer { out in
                var used = 0
                for event in e..<end {
                    used = writer.write(W1Workload.event(UInt64(event), agents: UInt64(agents)), to: out.baseAddress!, at: used)
                }
                try file.write(out.baseAddress!, count: used)
            }
            e = end
        }
        try file.close()
    }
}

/// Lays out one W1-file line into a byte buffer.
struct W1LineWriter {
    /// Enough for any line: agent numbers of up to 19 digits, the longest metric name,
    /// the largest value and a 20-character timestamp.
    static let maxLineLength = 128

    private let prefix = Array(#"{"agent_id":"agent-"#.utf8)
    /// `","metric":"<name>","value":` for each metric, so one copy covers the middle of a line.
    private let metricParts: [[UInt8]] = W1Workload.metrics.map {
        Array((#"","metric":""# + $0 + #"","value":"#).utf8)
    }
    private let tsPart = Array(#","ts":"#.utf8)

    /// Writes the line of `event` at `start`; returns the offset after its newline.
    func write(_ event: W1Workload.Event, to out: UnsafeMutablePointer<UInt8>, at start: Int) -> Int {
        var i = start
        copy(prefix, to: out, at: &i)
        let digits = Self.digitCount(UInt64(event.agent))
        for _ in digits..<max(6, digits) {
            out[i] = UInt8(ascii: "0")
            i += 1
        }
        writeDigits(UInt64(event.agent), count: digits, to: out, at: &i)
        copy(metricParts[event.metricIndex], to: out, at: &i)
        let whole = UInt64(event.valueHundredths / 100)
        writeDigits(whole, count: Self.digitCount(whole), to: out, at: &i)
        let cents = Int(event.valueHundredths % 100)
        out[i] = UInt8(ascii: ".")
        out[i + 1] = UInt8(ascii: "0") + UInt8(cents / 10)
        out[i + 2] = UInt8(ascii: "0") + UInt8(cents % 10)
        i += 3
        copy(tsPart, to: out, at: &i)
        if event.ts < 0 {
            out[i] = UInt8(ascii: "-")
            i += 1
        }
        let ts = event.ts.magnitude
        writeDigits(ts, count: Self.digitCount(ts), to: out, at: &i)
        out[i] = UInt8(ascii: "}")
        out[i + 1] = UInt8(ascii: "\n")
        return i + 2
    }

    private static func digitCount(_ value: UInt64) -> Int {
        var count = 1
        var v = value
        while v >= 10 {
            v /= 10
            count += 1
        }
        return count
    }

    @inline(__always)
    private func copy(_ bytes: [UInt8], to out: UnsafeMutablePointer<UInt8>, at i: inout Int) {
        bytes.withUnsafeBufferPointer { (out + i).update(from: $0.baseAddress!, count: $0.count) }
        i += bytes.count
    }

    @inline(__always)
    private func writeDigits(_ value: UInt64, count: Int, to out: UnsafeMutablePointer<UInt8>, at i: inout Int) {
        var v = value
        var position = i + count - 1
        while position >= i {
            out[position] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            position -= 1
        }
        i += count
    }
}
