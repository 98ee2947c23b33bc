extension Batch {
    /// One batch per partition: row `r` goes to partition `owners[r]`, rows keep their order.
    ///
    /// One counting sort of the row numbers sizes every output exactly; each column is then
    /// gathered straight into arrays of their final size (no per-partition index lists, no
    /// regrowth), which is what an exchange does for every row it moves.
    public func partitioned(owners: UnsafeBufferPointer<Int32>, count partitions: Int) -> [Batch] {
        precondition(owners.count == count, "one owner per row")
        if partitions == 1 { return [self] }
        if count == 0 { return [Batch](repeating: self, count: partitions) }
        var starts = [Int](repeating: 0, count: partitions + 1)
        starts.withUnsafeMutableBufferPointer { starts in
            for owner in owners { starts[Int(owner) &+ 1] &+= 1 }
        }
        if let only = starts.firstIndex(of: count) {
            var out = [Batch](repeating: Batch.empty(schema), count: partitions)
            out[only - 1] = self
            return out
        }
        for p in 0..<partitions { starts[p + 1] += starts[p] }
        let order = [Int32](unsafeUninitializedCapacity: count) { order, initialized in
            let order = order.baseAddress!
            if partitions == 2 {
                // Two cursors in registers, chosen without a branch: partition bits are random.
                var first = 0
                var second = starts[1]
                for row in 0..<owners.count {
                    let isSecond = Int(owners[row])
                    order[isSecond == 0 ? first : second] = Int32(truncatingIfNeeded: row)
                    first &+= 1 &- isSecond
                    second &+= isSecond
                }
            } else {
                withUnsafeTemporaryAllocation(of: Int.self, capacity: partitions) { cursor in
                    for p in 0..<partitions { cursor[p] = starts[p] }
                    for row in 0..<owners.count {
                        let p = Int(owners[row])
                        order[cursor[p]] = Int32(truncatingIfNeeded: row)
                        cursor[p] &+= 1
                    }
                }
            }
            initialized = owners.count
        }
        return order.withUnsafeBufferPointer { order in
            (0..<partitions).map { p in
                let rows = UnsafeBufferPointer(rebasing: order[starts[p]..<starts[p + 1]])
                return rows.isEmpty
                    ? Batch.empty(schema)
                    : Batch(schema: schema, columns: columns.map { $0.gather(rows: rows) }, count: rows.count, position: position)
            }
        }
    }
}

extension Column {
    /// The rows `rows` of this column, in that order.
    public func gather(rows: UnsafeBufferPointer<Int32>) -> Column {
        var out = Column(type: type)
        switch type {
        case .int64, .timestamp: out.ints = Self.gather(ints, rows)
        case .double: out.doubles = Self.gather(doubles, rows)
        case .bool: out.bools = Self.gather(bools, rows)
        case .string:
            out.codes = Self.gather(codes, rows)
            out.dictionary = dictionary
        }
        if let validity {
            let gathered = Self.gather(validity, rows)
            out.validity = gathered.contains(false) ? gathered : nil
        }
        return out
    }

    private static func gather<T>(_ values: [T], _ rows: UnsafeBufferPointer<Int32>) -> [T] {
        values.withUnsafeBufferPointer { source in
            [T](unsafeUninitializedCapacity: rows.count) { out, initialized in
                guard let out = out.baseAddress, let source = source.baseAddress else { return }
                for i in 0..<rows.count { (out + i).initialize(to: source[Int(rows[i])]) }
                initialized = rows.count
            }
        }
    }
}
