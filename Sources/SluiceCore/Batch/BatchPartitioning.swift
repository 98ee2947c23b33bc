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
        var empty = Batch.empty(schema)
        empty.isRetraction = isRetraction
        var starts = [Int](repeating: 0, count: partitions + 1)
        starts.withUnsafeMutableBufferPointer { starts in
            for owner in owners { starts[Int(owner) &+ 1] &+= 1 }
        }
        if let only = starts.firstIndex(of: count) {
            var out = [Batch](repeating: empty, count: partitions)
            out[only - 1] = self
            return out
        }
        if partitions == 2 { return splitInTwo(owners: owners, firstCount: starts[1]) }
        for p in 0..<partitions { starts[p + 1] += starts[p] }
        let order = [Int32](unsafeUninitializedCapacity: count) { order, initialized in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: partitions) { cursor in
                for p in 0..<partitions { cursor[p] = starts[p] }
                for row in 0..<owners.count {
                    let p = Int(owners[row])
                    order[cursor[p]] = Int32(truncatingIfNeeded: row)
                    cursor[p] &+= 1
                }
            }
            initialized = owners.count
        }
        return order.withUnsafeBufferPointer { order in
            (0..<partitions).map { p in
                let rows = UnsafeBufferPointer(rebasing: order[starts[p]..<starts[p + 1]])
                if rows.isEmpty { return empty }
                var part = Batch(
                    schema: schema, columns: columns.map { $0.gather(rows: rows) }, count: rows.count,
                    position: position, isRetraction: isRetraction)
                part.records = records?.gather(rows)
                return part
            }
        }
    }
}

extension Batch {
    /// Two partitions, the common exchange: each column is copied in one pass that reads
    /// the owner and the value in row order and writes to one of two cursors, chosen
    /// without a branch (owners are random) — no row-number list, no indirect reads.
    private func splitInTwo(owners: UnsafeBufferPointer<Int32>, firstCount: Int) -> [Batch] {
        var first: [Column] = []
        var second: [Column] = []
        for column in columns {
            let (a, b) = column.split(owners: owners, firstCount: firstCount)
            first.append(a)
            second.append(b)
        }
        var parts = [
            Batch(schema: schema, columns: first, count: firstCount, position: position, isRetraction: isRetraction),
            Batch(
                schema: schema, columns: second, count: count - firstCount, position: position,
                isRetraction: isRetraction),
        ]
        if let records {
            var picked: ([Int32], [Int32]) = ([], [])
            for row in 0..<owners.count {
                if owners[row] == 0 { picked.0.append(Int32(row)) } else { picked.1.append(Int32(row)) }
            }
            parts[0].records = records.gather(picked.0)
            parts[1].records = records.gather(picked.1)
        }
        return parts
    }
}

extension Column {
    /// The rows owned by 0 and by 1 (every owner is 0 or 1; `firstCount` of them are 0).
    func split(owners: UnsafeBufferPointer<Int32>, firstCount: Int) -> (Column, Column) {
        var first = Column(type: type)
        var second = Column(type: type)
        switch type {
        case .int64, .timestamp: (first.ints, second.ints) = Self.split(ints, owners, firstCount)
        case .double: (first.doubles, second.doubles) = Self.split(doubles, owners, firstCount)
        case .bool: (first.bools, second.bools) = Self.split(bools, owners, firstCount)
        case .string where isFingerprinted:
            (first.fingerprints, second.fingerprints) = Self.split(fingerprints, owners, firstCount)
        case .string:
            (first.codes, second.codes) = Self.split(codes, owners, firstCount)
            first.dictionary = dictionary
            second.dictionary = dictionary
        }
        if let validity {
            let (a, b) = Self.split(validity, owners, firstCount)
            first.validity = a.contains(false) ? a : nil
            second.validity = b.contains(false) ? b : nil
        }
        return (first, second)
    }

    private static func split<T>(_ values: [T], _ owners: UnsafeBufferPointer<Int32>, _ firstCount: Int) -> ([T], [T]) {
        let n = owners.count
        var second: [T] = []
        let first = values.withUnsafeBufferPointer { source in
            [T](unsafeUninitializedCapacity: firstCount) { a, aCount in
                second = [T](unsafeUninitializedCapacity: n - firstCount) { b, bCount in
                    // Unused when its side is empty: a base that is never written through.
                    let (a, b) = (a.baseAddress ?? b.baseAddress!, b.baseAddress ?? a.baseAddress!)
                    var i = 0
                    var j = 0
                    for r in 0..<n {
                        let isSecond = Int(owners[r])
                        (isSecond == 0 ? a + i : b + j).initialize(to: source[r])
                        i &+= 1 &- isSecond
                        j &+= isSecond
                    }
                    bCount = n - firstCount
                }
                aCount = firstCount
            }
        }
        return (first, second)
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
        case .string where isFingerprinted: out.fingerprints = Self.gather(fingerprints, rows)
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
