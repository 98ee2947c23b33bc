import SluiceCore

/// Splits a batch into one batch per partition by a stable hash of key columns.
///
/// String keys are hashed once per dictionary entry, not per row, and with a
/// `DictionaryHashes` once per entry across the batches that share a dictionary. The hash of a key is
/// the same wherever it is computed, so a join's two inputs (different column names,
/// same values) meet in the same partition.
enum Scatter {
    /// The stable hash of every row's key (`cache`: the caller's kept dictionary hashes).
    static func rowHashes(of batch: Batch, keys: [String], cache: inout DictionaryHashes<String>) -> [UInt64] {
        var hashes = [UInt64](repeating: 0x51_7cc1_b727_220a, count: batch.count)
        hashes.withUnsafeMutableBufferPointer { h in
            for (k, name) in keys.enumerated() {
                guard let index = batch.schema.index(of: name) else { continue }
                let column = batch.columns[index]
                precondition(!column.isFingerprinted, "hashing rows by '\(name)', a column of fingerprints")
                let dictionaryHashes = column.type == .string ? cache.of(column.dictionary, for: name) : []
                fold(column, dictionaryHashes, into: h, first: k == 0)
            }
        }
        return hashes
    }

    /// The owning partition of every row.
    static func partitions(of batch: Batch, keys: [String], count: Int, cache: inout DictionaryHashes<String>) -> [Int32] {
        let hashes = rowHashes(of: batch, keys: keys, cache: &cache)
        return [Int32](unsafeUninitializedCapacity: hashes.count) { owners, initialized in
            for r in 0..<hashes.count { owners[r] = Int32(StableHash.partition(of: hashes[r], count: count)) }
            initialized = hashes.count
        }
    }

    /// Each partition's rows of the batch, ascending (empty where no row goes): what a
    /// source hands each partition along with the shared batch, instead of a copy.
    static func rowsByPartition(of batch: Batch, keys: [String], count: Int, cache: inout DictionaryHashes<String>) -> [[Int32]] {
        if count == 2 { return rowsOfTwoPartitions(rowHashes(of: batch, keys: keys, cache: &cache)) }
        let owners = partitions(of: batch, keys: keys, count: count, cache: &cache)
        var counts = [Int](repeating: 0, count: count)
        for owner in owners { counts[Int(owner)] &+= 1 }
        return owners.withUnsafeBufferPointer { owners in
            (0..<count).map { p in
                let mine = UInt32(p)
                // One slot of slack: every row is written, only this partition's rows
                // advance — without a branch, as owners are random.
                return [Int32](unsafeUninitializedCapacity: counts[p] + 1) { out, initialized in
                    var c = 0
                    for r in 0..<owners.count {
                        out[c] = Int32(truncatingIfNeeded: r)
                        // 1 when the owner is `mine`, else 0 (owner ^ mine < 2^31).
                        c &+= Int((UInt32(bitPattern: owners[r]) ^ mine &- 1) >> 31)
                    }
                    initialized = c
                }
            }
        }
    }

    /// Two partitions, the common exchange: one pass writes every row to both lists and
    /// advances the one its hash picks (`StableHash.partition(of:count: 2)` is the top bit).
    private static func rowsOfTwoPartitions(_ hashes: [UInt64]) -> [[Int32]] {
        let n = hashes.count
        var second: [Int32] = []
        let first = [Int32](unsafeUninitializedCapacity: n + 1) { a, aCount in
            second = [Int32](unsafeUninitializedCapacity: n + 1) { b, bCount in
                var i = 0
                var j = 0
                for r in 0..<n {
                    let isSecond = Int(truncatingIfNeeded: hashes[r] >> 63)
                    a[i] = Int32(truncatingIfNeeded: r)
                    b[j] = Int32(truncatingIfNeeded: r)
                    i &+= 1 &- isSecond
                    j &+= isSecond
                }
                bCount = j
            }
            aCount = n - second.count
        }
        return [first, second]
    }

    /// One batch per partition (empty where no row goes).
    static func split(_ batch: Batch, keys: [String], count: Int, cache: inout DictionaryHashes<String>) -> [Batch] {
        if count == 1 { return [batch] }
        let owners = partitions(of: batch, keys: keys, count: count, cache: &cache)
        return owners.withUnsafeBufferPointer { batch.partitioned(owners: $0, count: count) }
    }

    /// Folds one key column's value hashes into the running row hashes (a string
    /// column's from `dictionaryHashes`, its entries' hashes). Null hashes as 0
    /// whatever its slot holds, so equal keys meet.
    private static func fold(
        _ column: Column, _ dictionaryHashes: [UInt64], into h: UnsafeMutableBufferPointer<UInt64>, first: Bool
    ) {
        switch column.type {
        case .string:
            dictionaryHashes.withUnsafeBufferPointer { d in
                column.codes.withUnsafeBufferPointer { codes in
                    // A null row's code may not index the dictionary.
                    apply(h, first, column.validity) { r in
                        let code = Int(codes[r])
                        return code < d.count ? d[code] : 0
                    }
                }
            }
        case .int64, .timestamp:
            column.ints.withUnsafeBufferPointer { src in apply(h, first, column.validity) { StableHash.hash(src[$0]) } }
        case .double:
            column.doubles.withUnsafeBufferPointer { src in
                apply(h, first, column.validity) { StableHash.mix((src[$0] == 0 ? 0.0 : src[$0]).bitPattern) }
            }
        case .bool:
            column.bools.withUnsafeBufferPointer { src in apply(h, first, column.validity) { StableHash.mix(src[$0] ? 1 : 2) } }
        }
    }

    @inline(__always)
    private static func apply(
        _ h: UnsafeMutableBufferPointer<UInt64>, _ first: Bool, _ validity: [Bool]?, _ value: (Int) -> UInt64
    ) {
        if let validity {
            for r in 0..<h.count {
                let v = validity[r] ? value(r) : 0
                h[r] = first ? v : StableHash.combine(h[r], v)
            }
        } else if first {
            for r in 0..<h.count { h[r] = value(r) }
        } else {
            for r in 0..<h.count { h[r] = StableHash.combine(h[r], value(r)) }
        }
    }
}
