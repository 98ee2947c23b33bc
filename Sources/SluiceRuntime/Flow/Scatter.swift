import SluiceCore

/// Splits a batch into one batch per partition by a stable hash of key columns.
///
/// String keys are hashed once per dictionary entry, not per row. The hash of a key is
/// the same wherever it is computed, so a join's two inputs (different column names,
/// same values) meet in the same partition.
enum Scatter {
    /// The owning partition of every row.
    static func partitions(of batch: Batch, keys: [String], count: Int) -> [Int32] {
        let n = batch.count
        var hashes = [UInt64](repeating: 0x51_7cc1_b727_220a, count: n)
        var values = [UInt64](repeating: 0, count: n)
        for (k, name) in keys.enumerated() {
            guard let index = batch.schema.index(of: name) else { continue }
            let column = batch.columns[index]
            values.withUnsafeMutableBufferPointer { v in
                switch column.type {
                case .string:
                    let dictionaryHashes = column.dictionary.map { StableHash.hash($0) }
                    dictionaryHashes.withUnsafeBufferPointer { d in
                        column.codes.withUnsafeBufferPointer { codes in
                            for r in 0..<n {
                                let code = Int(codes[r])
                                // A null row's code may not index the dictionary.
                                v[r] = code < d.count ? d[code] : 0
                            }
                        }
                    }
                case .int64, .timestamp:
                    column.ints.withUnsafeBufferPointer { src in
                        for r in 0..<n { v[r] = StableHash.hash(src[r]) }
                    }
                case .double:
                    column.doubles.withUnsafeBufferPointer { src in
                        for r in 0..<n { v[r] = StableHash.mix((src[r] == 0 ? 0.0 : src[r]).bitPattern) }
                    }
                case .bool:
                    column.bools.withUnsafeBufferPointer { src in
                        for r in 0..<n { v[r] = StableHash.mix(src[r] ? 1 : 2) }
                    }
                }
                // Null hashes as 0 whatever its slot holds, so equal keys meet.
                if let validity = column.validity {
                    for r in 0..<n where !validity[r] { v[r] = 0 }
                }
            }
            hashes.withUnsafeMutableBufferPointer { h in
                values.withUnsafeBufferPointer { v in
                    if k == 0 {
                        for r in 0..<n { h[r] = v[r] }
                    } else {
                        for r in 0..<n { h[r] = StableHash.combine(h[r], v[r]) }
                    }
                }
            }
        }
        return hashes.map { Int32(StableHash.partition(of: $0, count: count)) }
    }

    /// One batch per partition (empty where no row goes).
    static func split(_ batch: Batch, keys: [String], count: Int) -> [Batch] {
        if count == 1 { return [batch] }
        let owners = partitions(of: batch, keys: keys, count: count)
        var indices = [[Int32]](repeating: [], count: count)
        let expected = batch.count / count + 16
        for p in 0..<count { indices[p].reserveCapacity(expected) }
        for (row, owner) in owners.enumerated() { indices[Int(owner)].append(Int32(row)) }
        return indices.map { $0.isEmpty ? Batch.empty(batch.schema) : batch.gather($0) }
    }
}
