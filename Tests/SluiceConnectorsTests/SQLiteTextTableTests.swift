import SluiceConnectors
import SluiceCore
import Testing

@Suite struct SQLiteTextTableTests {
    @Test func alignsNumbersRightAndTextLeft() {
        let text = SQLiteViews.renderTable(
            columns: ["agent_id", "samples", "mean", "healthy"],
            rows: [
                [.string("a-1"), .int(3), .double(1.0 / 3.0), .bool(true)],
                [.string("agent-22"), .int(1234), .null, .null],
            ])
        #expect(text == """
            agent_id | samples |     mean | healthy
            ---------+---------+----------+--------
            a-1      |       3 | 0.333333 | true
            agent-22 |    1234 |     NULL | NULL
            (2 rows)

            """)
    }

    @Test func formatsDoublesWithAtMostSixDecimals() {
        let cases: [(Double, String)] = [
            (2, "2"), (-2.5, "-2.5"), (0.1 + 0.2, "0.3"), (1234.5678912, "1234.567891"), (0, "0"), (-0.0, "0"),
            (0.00012345, "0.000123"), (0.0000123456, "1.23456e-05"), (1e20, "1e+20"), (123_456_789_012.5, "123456789012.5"),
            (.nan, "NaN"), (.infinity, "inf"), (-.infinity, "-inf"),
        ]
        for (value, expected) in cases {
            #expect(SQLiteViews.renderTable(columns: ["x"], rows: [[.double(value)]]).split(separator: "\n")[2]
                .trimmingPrefix(while: { $0 == " " }) == expected[...], "\(value)")
        }
    }

    @Test func showsTimestampsAsUTCInstants() {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00.000Z"), (1_709_294_400_123, "2024-03-01T12:00:00.123Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ]
        for (millis, expected) in cases {
            #expect(SQLiteViews.renderTable(columns: ["t"], rows: [[.timestamp(millis)]]).contains(expected + "\n"))
        }
        // The extremes of the range (watermark sentinels) still format instead of trapping.
        #expect(!SQLiteViews.renderTable(columns: ["t"], rows: [[.timestamp(.min)], [.timestamp(.max)]]).isEmpty)
    }

    @Test func keepsEveryRowOnOneLine() {
        let text = SQLiteViews.renderTable(columns: ["note"], rows: [[.string("two\nlines\tand tab")], [.string("")]])
        #expect(text == "note\n" + String(repeating: "-", count: 19) + "\ntwo\\nlines\\tand tab\n\n(2 rows)\n")
    }

    @Test func leavesMissingCellsBlankWithoutTrailingSpaces() {
        let text = SQLiteViews.renderTable(columns: ["city", "n"], rows: [[.string("Oslo")], [.string("Zürich"), .int(12)]])
        #expect(text == """
            city   |  n
            -------+---
            Oslo   |
            Zürich | 12
            (2 rows)

            """)
    }

    @Test func rendersAnEmptyResult() {
        #expect(SQLiteViews.renderTable(columns: ["a"], rows: []) == "a\n-\n(0 rows)\n")
        #expect(SQLiteViews.renderTable(columns: [], rows: []) == "(0 rows)\n")
        #expect(SQLiteViews.renderTable(columns: ["n"], rows: [[.int(1)]]).hasSuffix("(1 row)\n"))
    }
}
