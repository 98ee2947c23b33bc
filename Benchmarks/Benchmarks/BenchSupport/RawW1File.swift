import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// The raw limit for W1-file: the same work as the engine's run over the NDJSON file, by
/// hand, on one thread — `read(2)` the file in 4 MiB pieces, scan each line's JSON object
/// for the four fields by name (`agent_id`, `metric`, `value`, `ts`; other fields are
/// skipped, the order does not matter), parse them into columns, and feed the columns to
/// `RawW1.Aggregation` (the W1 raw loop: 10 s tumbling windows, watermark ts − 2 s,
/// count/sum/min/max/avg, every window emitted once).
///
/// What it knows that the engine does not: agent ids are `agent-NNNNNN` (parsed to their
/// number, where the engine interns arbitrary strings), metrics are one of the eight W1
/// names, strings hold no escapes and numbers no exponents (a line that breaks these stops
/// the run). Numbers are parsed exactly: digits into an integer, then one correctly rounded
/// division by a power of ten, which gives strtod's result for W1's two-decimal values.
public enum RawW1File {
    public struct Result: Sendable {
        public var totals: Checksums
        public var lines: Int
        public var bytes: Int
    }

    static let bufferBytes = 4 << 20
    /// The shortest line that can hold the four fields; bounds the rows one buffer yields.
    static let minimumLineBytes = 40

    public static func run(path: String, agents: Int = 10_000) throws -> Result {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SluiceError(.io, "cannot open \(path)") }
        defer { close(fd) }
        // 8 bytes of padding: the key comparisons load whole words.
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bufferBytes + 8)
        buffer.initialize(repeating: 0, count: bufferBytes + 8)
        defer { buffer.deallocate() }
        let pow10 = UnsafeMutablePointer<Double>.allocate(capacity: 23)
        var p = 1.0
        for e in 0...22 {
            pow10[e] = p
            p *= 10
        }
        defer { pow10.deallocate() }
        let capacity = bufferBytes / minimumLineBytes + 1
        var columns = Columns(capacity: capacity)
        defer { columns.free() }
        var aggregation = RawW1.Aggregation(agents: agents)
        var carried = 0
        var lines = 0
        var bytes = 0
        while true {
            let n = read(fd, buffer + carried, bufferBytes - carried)
            guard n >= 0 else { throw SluiceError(.io, "read failed on \(path)") }
            bytes += n
            let filled = carried + n
            // Whole lines only; at the end of the file a last line without a newline too.
            var end = filled
            if n > 0 {
                while end > 0 && buffer[end - 1] != 0x0A { end -= 1 }
                precondition(end > 0 || filled < bufferBytes, "a line longer than \(bufferBytes) bytes")
            }
            columns.count = 0
            parseLines(buffer, end, pow10: pow10, into: &columns)
            lines += columns.count
            aggregation.add(
                agent: UnsafeBufferPointer(start: columns.agent, count: columns.count),
                metric: UnsafeBufferPointer(start: columns.metric, count: columns.count),
                value: UnsafeBufferPointer(start: columns.value, count: columns.count),
                ts: UnsafeBufferPointer(start: columns.ts, count: columns.count))
            carried = filled - end
            if carried > 0 { memmove(buffer, buffer + end, carried) }
            if n == 0 { break }
        }
        return Result(totals: aggregation.finish(), lines: lines, bytes: bytes)
    }

    struct Columns {
        let capacity: Int
        var count = 0
        let agent: UnsafeMutablePointer<Int64>
        let metric: UnsafeMutablePointer<UInt8>
        let value: UnsafeMutablePointer<Double>
        let ts: UnsafeMutablePointer<Int64>

        init(capacity: Int) {
            self.capacity = capacity
            agent = .allocate(capacity: capacity)
            metric = .allocate(capacity: capacity)
            value = .allocate(capacity: capacity)
            ts = .allocate(capacity: capacity)
        }

        func free() {
            agent.deallocate()
            metric.deallocate()
            value.deallocate()
            ts.deallocate()
        }
    }

    /// Parses the lines in `bytes[0..<end]` (blank lines skipped) into `columns`.
    static func parseLines(
        _ bytes: UnsafeMutablePointer<UInt8>, _ end: Int, pow10: UnsafePointer<Double>, into columns: inout Columns
    ) {
        var i = 0
        while i < end {
            if bytes[i] == 0x0A {
                i += 1
                continue
            }
            precondition(columns.count < columns.capacity, "lines shorter than \(minimumLineBytes) bytes")
            let row = columns.count
            var found = 0
            i = skipSpace(bytes, i, end)
            expect(bytes, i, end, UInt8(ascii: "{"))
            i += 1
            while true {
                i = skipSpace(bytes, i, end)
                if i < end && bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    break
                }
                expect(bytes, i, end, UInt8(ascii: "\""))
                let keyStart = i + 1
                i = keyStart
                while i < end && bytes[i] != UInt8(ascii: "\"") { i += 1 }
                let keyLength = i - keyStart
                i = skipSpace(bytes, i + 1, end)
                expect(bytes, i, end, UInt8(ascii: ":"))
                i = skipSpace(bytes, i + 1, end)
                switch field(bytes + keyStart, keyLength) {
                case 0:
                    columns.agent[row] = parseAgent(bytes, &i, end)
                    found |= 1
                case 1:
                    columns.metric[row] = parseMetric(bytes, &i, end)
                    found |= 2
                case 2:
                    columns.value[row] = parseNumber(bytes, &i, end, pow10)
                    found |= 4
                case 3:
                    columns.ts[row] = parseInteger(bytes, &i, end)
                    found |= 8
                default:
                    i = skipValue(bytes, i, end)
                }
                i = skipSpace(bytes, i, end)
                if i < end && bytes[i] == UInt8(ascii: ",") { i += 1 }
            }
            precondition(found == 15, "line \(row + 1) of a buffer lacks one of agent_id, metric, value, ts")
            columns.count += 1
            while i < end && bytes[i] != 0x0A { i += 1 }
            i += 1
        }
    }

    @inline(__always)
    static func skipSpace(_ b: UnsafeMutablePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var i = i
        while i < end && (b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0D) { i += 1 }
        return i
    }

    @inline(__always)
    static func expect(_ b: UnsafeMutablePointer<UInt8>, _ i: Int, _ end: Int, _ c: UInt8) {
        precondition(i < end && b[i] == c, "expected '\(Character(Unicode.Scalar(c)))' at byte \(i) of a buffer")
    }

    /// 0 agent_id, 1 metric, 2 value, 3 ts, -1 any other key (compared a word at a time;
    /// the buffer is padded, so reading past a short key stays inside it).
    @inline(__always)
    static func field(_ k: UnsafeMutablePointer<UInt8>, _ length: Int) -> Int {
        let word = UnsafeRawPointer(k).loadUnaligned(as: UInt64.self)
        switch length {
        case 8 where word == word8("agent_id"): return 0
        case 6 where word & 0xFFFF_FFFF_FFFF == word8("metric"): return 1
        case 5 where word & 0xFF_FFFF_FFFF == word8("value"): return 2
        case 2 where word & 0xFFFF == word8("ts"): return 3
        default: return -1
        }
    }

    /// Up to 8 bytes of `name`, little-endian, as the word a load from the buffer gives.
    @inline(__always)
    static func word8(_ name: StaticString) -> UInt64 {
        var w: UInt64 = 0
        for i in 0..<min(8, name.utf8CodeUnitCount) { w |= UInt64(name.utf8Start[i]) << (8 * UInt64(i)) }
        return w
    }

    @inline(__always)
    static func matches(_ k: UnsafeMutablePointer<UInt8>, _ name: StaticString) -> Bool {
        memcmp(k, name.utf8Start, name.utf8CodeUnitCount) == 0
    }

    /// `"agent-NNNNNN"` → NNNNNN.
    @inline(__always)
    static func parseAgent(_ b: UnsafeMutablePointer<UInt8>, _ i: inout Int, _ end: Int) -> Int64 {
        precondition(i + 7 < end && b[i] == UInt8(ascii: "\"") && matches(b + i + 1, "agent-"), "agent_id is not \"agent-N\"")
        i += 7
        var n: Int64 = 0
        while i < end, case let d = b[i] &- 0x30, d < 10 {
            n = n * 10 + Int64(d)
            i += 1
        }
        expect(b, i, end, UInt8(ascii: "\""))
        i += 1
        return n
    }

    /// A metric name → its index in `W1Data.metrics` (the first letter and the length pick
    /// the candidate, then the name is compared in full).
    @inline(__always)
    static func parseMetric(_ b: UnsafeMutablePointer<UInt8>, _ i: inout Int, _ end: Int) -> UInt8 {
        expect(b, i, end, UInt8(ascii: "\""))
        let start = i + 1
        i = start
        while i < end && b[i] != UInt8(ascii: "\"") { i += 1 }
        let length = i - start
        i += 1
        let name = b + start
        let ok: Bool
        let index: UInt8
        switch (length, name[0]) {
        case (10, UInt8(ascii: "l")): (index, ok) = (0, matches(name, "latency_ms"))
        case (6, UInt8(ascii: "t")): (index, ok) = (1, matches(name, "tokens"))
        case (9, _): (index, ok) = (2, matches(name, "memory_mb"))
        case (7, _): (index, ok) = (3, matches(name, "cpu_pct"))
        case (11, _): (index, ok) = (4, matches(name, "queue_depth"))
        case (6, UInt8(ascii: "e")): (index, ok) = (5, matches(name, "errors"))
        case (5, _): (index, ok) = (6, matches(name, "score"))
        case (10, UInt8(ascii: "t")): (index, ok) = (7, matches(name, "throughput"))
        default: (index, ok) = (0, false)
        }
        precondition(ok, "unknown metric")
        return index
    }

    /// A JSON number without exponent: exact when its digits fit in 53 bits and it has at
    /// most 22 decimals (an integer divided by an exact power of ten, rounded once).
    @inline(__always)
    static func parseNumber(_ b: UnsafeMutablePointer<UInt8>, _ i: inout Int, _ end: Int, _ pow10: UnsafePointer<Double>)
        -> Double
    {
        var negative = false
        if i < end && b[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        while i < end, case let d = b[i] &- 0x30, d < 10 {
            mantissa = mantissa &* 10 &+ UInt64(d)
            digits += 1
            i += 1
        }
        var decimals = 0
        if i < end && b[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, case let d = b[i] &- 0x30, d < 10 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                decimals += 1
                i += 1
            }
        }
        precondition(
            digits > 0 && digits + decimals <= 15 && decimals <= 22
                && !(i < end && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E"))),
            "a number this loop does not parse exactly")
        let v = Double(mantissa) / pow10[decimals]
        return negative ? -v : v
    }

    @inline(__always)
    static func parseInteger(_ b: UnsafeMutablePointer<UInt8>, _ i: inout Int, _ end: Int) -> Int64 {
        var negative = false
        if i < end && b[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        var n: Int64 = 0
        var digits = 0
        while i < end, case let d = b[i] &- 0x30, d < 10 {
            n = n * 10 + Int64(d)
            digits += 1
            i += 1
        }
        precondition(digits > 0 && digits <= 18, "ts is not an integer")
        return negative ? -n : n
    }

    /// Skips a string, number, literal or flat object/array value (no nesting needed here).
    static func skipValue(_ b: UnsafeMutablePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var i = i
        if i < end && b[i] == UInt8(ascii: "\"") {
            i += 1
            while i < end && b[i] != UInt8(ascii: "\"") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
            return i + 1
        }
        while i < end && b[i] != UInt8(ascii: ",") && b[i] != UInt8(ascii: "}") { i += 1 }
        return i
    }
}
