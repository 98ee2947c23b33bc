import Foundation
public import SluiceCore
import SluiceOperators

/// De-duplication alone, beside its raw limit: W2's ids (`g42-<batch>-<n>`, one in 100 a
/// redelivery of an id a few thousand rows back) in decoded batches of 4,096 rows, as the
/// decoder hands them over (a per-batch dictionary of distinct ids), all within the horizon.
///
/// - Engine: one `DedupeOperator` (10-minute horizon) fed batch by batch, single-threaded;
///   its table grows from empty and is sized for the rest once it hears the share of the
///   input read (`inputRead`), as in a bounded job.
/// - Raw limit: the same work by hand in a tight loop. Each id's bytes are hashed to 128 bits
///   in one pass, and the result is looked up and inserted in an open-addressing table of
///   16-byte slots, with prefetching. The table is sized for every id up front, which the
///   engine cannot do.
public struct DedupeRun {
    public let batches: [Batch]
    public let ids: Int
    public let redeliveries: Int
    static let schema = Schema([Field("id", .string), Field("ts", .timestamp)])

    public init(events: Int, batchRows: Int = 4096) {
        var batches: [Batch] = []
        var redeliveries = 0
        var row = 0
        while row < events {
            let count = min(batchRows, events - row)
            var dictionary: [String] = []
            var codes: [UInt32] = []
            var times: [Int64] = []
            dictionary.reserveCapacity(count)
            for j in 0..<count {
                let n = row + j
                // A redelivery repeats the id of an event up to ~5,000 rows earlier.
                let id = n % 100 == 99 && n > 5000 ? n - 1 - (n * 7919) % 5000 : n
                if id != n { redeliveries += 1 }
                codes.append(UInt32(dictionary.count))
                dictionary.append("g42-\(id / 4096)-\(id)")
                times.append(1_764_000_000_000 + Int64(n / 100))
            }
            batches.append(Batch(schema: Self.schema, columns: [
                Column(codes: codes, dictionary: dictionary), Column(ints: times, type: .timestamp),
            ]))
            row += count
        }
        self.batches = batches
        self.ids = events - redeliveries
        self.redeliveries = redeliveries
    }

    public struct Result {
        public let seconds: Double
        public let duplicates: Int
        public let bytesPerId: Double
    }

    public func engine() -> Result {
        let dedupe = DedupeOperator(schema: Self.schema, idField: "id", timeField: "ts", horizonMillis: 600_000)
        let start = ContinuousClock.now
        // As in a bounded job, the operator hears the share of the input read (a job's
        // ticks come every 250 ms; here every 64 batches).
        for (i, batch) in batches.enumerated() {
            var out = OperatorOutput()
            dedupe.process(batch, input: 0, into: &out)
            if i % 64 == 63 { dedupe.inputRead(fraction: Double(i + 1) / Double(batches.count)) }
        }
        let elapsed = ContinuousClock.now - start
        return Result(
            seconds: elapsed.seconds, duplicates: Int(dedupe.counters.duplicates),
            bytesPerId: Double(dedupe.memoryBytes) / Double(dedupe.rememberedIds))
    }

    public func raw() -> Result {
        var table = RawFingerprintSet(capacity: ids * 2)
        var duplicates = 0
        let start = ContinuousClock.now
        let lookahead = 16
        var hashes = [(UInt64, UInt64)](repeating: (0, 0), count: 4096)
        for batch in batches {
            let column = batch.columns[0]
            let count = batch.count
            if hashes.count < count { hashes = [(UInt64, UInt64)](repeating: (0, 0), count: count) }
            for row in 0..<count {
                var id = column.dictionary[Int(column.codes[row])]
                hashes[row] = id.withUTF8 { RawFingerprintSet.hash(UnsafeRawBufferPointer($0)) }
            }
            for row in 0..<count {
                if row + lookahead < count { table.prefetch(hashes[row + lookahead].0) }
                if !table.insert(hashes[row]) { duplicates += 1 }
            }
        }
        let elapsed = ContinuousClock.now - start
        return Result(seconds: elapsed.seconds, duplicates: duplicates, bytesPerId: Double(table.bytes) / Double(ids))
    }
}

/// The raw limit's set: 16-byte slots, linear probing, never grown.
struct RawFingerprintSet: ~Copyable {
    private let slots: UnsafeMutablePointer<UInt64>
    private let count: Int
    var bytes: Int { count * 16 }

    init(capacity: Int) {
        count = capacity
        slots = .allocate(capacity: capacity * 2)
        slots.initialize(repeating: 0, count: capacity * 2)
    }

    deinit { slots.deallocate() }

    @inline(__always)
    private func home(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h.multipliedFullWidth(by: UInt64(count)).high) }

    @inline(__always)
    func prefetch(_ h: UInt64) {
        prefetchForWrite(UnsafeRawPointer(slots + 2 &* home(h)))
    }

    /// False when the fingerprint was there.
    @inline(__always)
    mutating func insert(_ fingerprint: (UInt64, UInt64)) -> Bool {
        let second = fingerprint.1 | 1  // 0 marks an empty slot
        var slot = home(fingerprint.0)
        while true {
            let p = slots + 2 &* slot
            if p[1] == 0 {
                p[0] = fingerprint.0
                p[1] = second
                return true
            }
            if p[0] == fingerprint.0 && p[1] == second { return false }
            slot &+= 1
            if slot == count { slot = 0 }
        }
    }

    /// Two 64-bit hashes of the bytes from one word-at-a-time pass.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            a = (a ^ word) &* 0xFF51_AFD7_ED55_8CCD
            b = (b ^ word) &* 0xC4CE_B9FE_1A85_EC53
            offset += 8
        }
        // The last bytes as one word read overlapping the one before (short ids: two
        // overlapping halves), not a byte at a time.
        let count = bytes.count
        let tail: UInt64
        if offset == count {
            tail = 0
        } else if count >= 8 {
            tail = bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else if count >= 4 {
            tail = UInt64(bytes.loadUnaligned(as: UInt32.self)) << 32
                | UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
        } else {
            tail = UInt64(bytes[0]) << 16 | UInt64(bytes[count / 2]) << 8 | UInt64(bytes[count - 1])
        }
        a = (a ^ tail) &* 0xFF51_AFD7_ED55_8CCD
        b = (b ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        a ^= a >> 32
        b ^= b >> 29
        return (a &* 0x9E37_79B9_7F4A_7C15, b)
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
