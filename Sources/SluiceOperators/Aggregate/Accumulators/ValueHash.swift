import SluiceCore

/// 64-bit hashes of argument values for `count_distinct` and `approx_count_distinct`.
///
/// Fixed-width values go through the MurmurHash3 finaliser after adding a constant; both
/// steps are bijections on 64 bits, so distinct values never collide and exact distinct
/// counts are exact. Strings use `StableHash` of their UTF-8 bytes (collisions possible
/// in principle, ~n²/2⁶⁵). All hashes are stable across processes, so sketches in
/// snapshots stay valid after a restart.
enum ValueHash {
    @inline(__always)
    static func bits(_ word: UInt64) -> UInt64 { StableHash.mix(word &+ 0x9e37_79b9_7f4a_7c15) }

    @inline(__always)
    static func int(_ value: Int64) -> UInt64 { bits(UInt64(bitPattern: value)) }

    /// -0.0 counts as 0.0 and every NaN as one value.
    @inline(__always)
    static func double(_ value: Double) -> UInt64 {
        let canonical = value == 0 ? 0.0 : (value.isNaN ? Double.nan : value)
        return bits(canonical.bitPattern)
    }

    @inline(__always)
    static func bool(_ value: Bool) -> UInt64 { bits(value ? 1 : 0) }

    static func string(_ value: String) -> UInt64 { StableHash.hash(value) }

    /// Calls `body` with the hash of each update's argument, in update order.
    @inline(__always)
    static func forEachHash(_ input: AccumulatorInput, _ body: (Int, UInt64) -> Void) {
        guard let argument = input.argument else { return }
        let column = argument.column
        input.slots.withUnsafeBufferPointer { slots in
            input.rows.withUnsafeBufferPointer { rows in
                switch column.type {
                case .int64, .timestamp:
                    column.ints.withUnsafeBufferPointer { values in
                        for j in 0..<slots.count { body(Int(slots[j]), int(values[Int(rows[j])])) }
                    }
                case .double:
                    column.doubles.withUnsafeBufferPointer { values in
                        for j in 0..<slots.count { body(Int(slots[j]), double(values[Int(rows[j])])) }
                    }
                case .bool:
                    column.bools.withUnsafeBufferPointer { values in
                        for j in 0..<slots.count { body(Int(slots[j]), bool(values[Int(rows[j])])) }
                    }
                case .string:
                    argument.stringHashes.withUnsafeBufferPointer { hashes in
                        column.codes.withUnsafeBufferPointer { codes in
                            for j in 0..<slots.count { body(Int(slots[j]), hashes[Int(codes[Int(rows[j])])]) }
                        }
                    }
                }
            }
        }
    }
}
