import SluiceCore
import Testing

/// Appending string columns with different dictionaries, including all-null ones whose
/// dictionary is empty while their rows still carry code 0.
@Suite struct ColumnAppendTests {
    private func strings(_ values: [String?]) -> Column {
        var builder = ColumnBuilder(type: .string)
        for value in values {
            if let value { builder.append(.string(value)) } else { builder.appendNull() }
        }
        return builder.finish()
    }

    private func values(_ column: Column) -> [String?] {
        (0..<column.count).map { column.isValid($0) ? column.dictionary[Int(column.codes[$0])] : nil }
    }

    @Test func anAllNullColumnAppendsToOneWithValues() {
        var column = strings(["a", "b"])
        column.append(strings([nil, nil]))
        #expect(values(column) == ["a", "b", nil, nil])
    }

    @Test func valuesAppendToAnAllNullColumn() {
        var column = strings([nil])
        column.append(strings(["b", nil, "a", "b"]))
        #expect(values(column) == [nil, "b", nil, "a", "b"])
        #expect(values(Column.concat([strings([nil]), strings([nil]), strings(["c"])])) == [nil, nil, "c"])
    }
}
