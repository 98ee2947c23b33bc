import SluiceCore
import Testing

/// A string column in fingerprint form keeps its rows, nulls and form through every
/// operation that moves rows: slice, gather, partitioning in two and in more, append and
/// concat (with an empty column too).
@Suite struct FingerprintColumnTests {
    /// Rows 0..<n, every third one null.
    static func column(_ n: Int, from first: UInt64 = 0) -> Column {
        let fingerprints = (0..<n).map { StringFingerprint(first + UInt64($0), ~(first + UInt64($0))) }
        let validity = (0..<n).map { $0 % 3 != 2 }
        return Column(fingerprints: fingerprints, validity: validity.contains(false) ? validity : nil)
    }

    /// Each row's first word, nil for a null.
    static func rows(_ column: Column) -> [UInt64?] {
        #expect(column.isFingerprinted || column.count == 0)
        #expect(column.codes.isEmpty && column.dictionary.isEmpty)
        return (0..<column.count).map { row in
            guard column.isValid(row) else { return nil }
            #expect(column.fingerprints[row].w1 == ~column.fingerprints[row].w0)
            return column.fingerprints[row].w0
        }
    }

    @Test func sliceAndGatherKeepTheRows() {
        let column = Self.column(10)
        let all = Self.rows(column)
        #expect(all.count == 10 && all[2] == nil && all[3] == 3)
        #expect(Self.rows(column.slice(4..<9)) == Array(all[4..<9]))
        #expect(Self.rows(column.gather([9, 0, 5, 5, 2])) == [all[9], all[0], all[5], all[5], all[2]])
    }

    @Test(arguments: [2, 3])
    func partitioningKeepsTheRows(partitions: Int) {
        let n = 50
        let batch = Batch(schema: Schema([Field("id", .string)]), columns: [Self.column(n)], count: n)
        let owners = (0..<n).map { Int32(($0 * 7 + $0 / 5) % partitions) }
        let parts = owners.withUnsafeBufferPointer { batch.partitioned(owners: $0, count: partitions) }
        let all = Self.rows(batch.columns[0])
        for p in 0..<partitions {
            let expected = (0..<n).filter { owners[$0] == Int32(p) }.map { all[$0] }
            #expect(Self.rows(parts[p].columns[0]) == expected)
        }
    }

    @Test func appendConcatAndNullsKeepTheForm() {
        var column = Self.column(4)
        column.append(Self.column(5, from: 100))
        let expected = Self.rows(Self.column(4)) + Self.rows(Self.column(5, from: 100))
        #expect(Self.rows(column) == expected)
        var fromEmpty = Column(type: .string)
        fromEmpty.append(Self.column(4))
        #expect(Self.rows(fromEmpty) == Self.rows(Self.column(4)))
        var ontoEmpty = Self.column(4)
        ontoEmpty.append(Column(type: .string))
        #expect(Self.rows(ontoEmpty) == Self.rows(Self.column(4)))
        #expect(Self.rows(Column.concat([Self.column(4), Self.column(5, from: 100)])) == expected)
    }
}
