import SluiceCore
import SluiceExpr
import Testing

/// Properties of the vectorized evaluation: no copies of field columns, string work per
/// dictionary entry, robustness to odd dictionaries and mismatched batches.
@Suite struct ColumnarTests {
    static let schema = Schema([Field("s", .string), Field("x", .double), Field("i", .int64)])

    private func address<T>(_ array: [T]) -> UnsafeRawPointer? {
        array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    /// 4096 rows over a 3-entry dictionary.
    private func repeatedStrings() -> Batch {
        let dictionary = ["metric", "Agent.Created", "other"]
        let codes = (0..<4096).map { UInt32($0 % 3) }
        let validity = (0..<4096).map { $0 % 7 != 0 }
        return Batch(
            schema: Self.schema,
            columns: [
                Column(codes: codes, dictionary: dictionary, validity: validity),
                Column(doubles: (0..<4096).map { Double($0) }),
                Column(ints: (0..<4096).map { Int64($0) }),
            ])
    }

    @Test func bareFieldIsNotCopied() throws {
        let batch = repeatedStrings()
        let x = try Expr.compile("x", schema: Self.schema).evaluate(batch, context: EvaluationContext())
        #expect(address(x.doubles) == address(batch.columns[1].doubles))
        let s = try Expr.compile("s", schema: Self.schema).evaluate(batch, context: EvaluationContext())
        #expect(address(s.codes) == address(batch.columns[0].codes))
    }

    @Test func stringFunctionsWorkPerDictionaryEntry() throws {
        let batch = repeatedStrings()
        let lower = try Expr.compile("lower(s)", schema: Self.schema).evaluate(batch, context: EvaluationContext())
        // The codes are shared with the input; only the 3-entry dictionary is new.
        #expect(address(lower.codes) == address(batch.columns[0].codes))
        #expect(lower.dictionary == ["metric", "agent.created", "other"])
        #expect(lower.validity == batch.columns[0].validity)
        let suffixed = try Expr.compile("s || '!'", schema: Self.schema).evaluate(batch, context: EvaluationContext())
        #expect(suffixed.dictionary == ["metric!", "Agent.Created!", "other!"])
        let mask = try Expr.compile("s = 'metric'", schema: Self.schema).evaluate(batch, context: EvaluationContext())
        #expect(mask.bools.count == 4096)
        for row in [0, 1, 3, 6, 7, 4095] {
            #expect(mask.value(at: row) == (row % 7 == 0 ? .null : .bool(row % 3 == 0)), "row \(row)")
        }
    }

    @Test func filterShapedExpressionOverAFullBatch() throws {
        let batch = repeatedStrings()
        let compiled = try Expr.compileCondition("s == 'metric' and x > 500.0", schema: Self.schema)
        let mask = compiled.evaluate(batch, context: EvaluationContext())
        let expected = (0..<4096).map { row -> Value in
            let isMetric: Value = row % 7 == 0 ? .null : .bool(row % 3 == 0)
            return isMetric == .bool(false) || row <= 500 ? .bool(false) : isMetric
        }
        #expect((0..<4096).map { mask.value(at: $0) } == expected)
    }

    @Test func hugeSharedDictionaryWithFewRows() throws {
        let dictionary = (0..<20_000).map { "Name-\($0)" }
        let batch = Batch(
            schema: Self.schema,
            columns: [
                Column(codes: [19_999, 7, 7], dictionary: dictionary),
                Column(doubles: [1, 2, 3]), Column(ints: [1, 2, 3]),
            ])
        let compiled = try Expr.compile("upper(s) || '/' || length(s)", schema: Self.schema)
        let out = compiled.evaluate(batch, context: EvaluationContext())
        #expect((0..<3).map { out.string(at: $0) } == ["NAME-19999/10", "NAME-7/6", "NAME-7/6"])
        let inList = try Expr.compile("s in ('Name-7', 'nope')", schema: Self.schema).evaluate(batch, context: EvaluationContext())
        #expect((0..<3).map { inList.value(at: $0) } == [.bool(false), .bool(true), .bool(true)])
    }

    @Test func columnsWithDifferentDictionariesCompareByValue() throws {
        let schema = Schema([Field("a", .string), Field("b", .string)])
        let batch = Batch(
            schema: schema,
            columns: [
                Column(codes: [0, 1, 2, 0], dictionary: ["x", "y", "x"]),  // duplicate entry
                Column(codes: [1, 0, 1, 2], dictionary: ["y", "x", "z"]),
            ])
        let rows = try Evaluate.rows("a = b", batch)
        #expect(rows == [.bool(true), .bool(true), .bool(true), .bool(false)])
        #expect(try Evaluate.rows("a < b", batch) == [.bool(false), .bool(false), .bool(false), .bool(true)])
        #expect(try Evaluate.rows("a || b", batch).map(\.asString) == ["xx", "yy", "xx", "xz"])
        #expect(try Evaluate.rows("case when a = 'x' then a else b end", batch).map(\.asString) == ["x", "y", "x", "x"])
    }

    @Test func nullRowsWithOddCodesNeverTrap() throws {
        // An all-null string column with an empty dictionary, and a null row whose code is
        // out of range: both must evaluate without reading outside the dictionary.
        let schema = Schema([Field("s", .string), Field("t", .string)])
        let batch = Batch(
            schema: schema,
            columns: [
                Column(codes: [0, 0], dictionary: [], validity: [false, false]),
                Column(codes: [99, 0], dictionary: ["a"], validity: [false, true]),
            ])
        for source in [
            "lower(s)", "s = 'a'", "s in ('a')", "length(s)", "int(s)", "s || t", "concat(s, t)", "s = t", "s < t",
            "coalesce(s, t)", "upper(t)", "t in ('a', 'b')", "starts_with(t, s)", "substr(t, 1)", "replace(t, 'a', s)",
            "case when t = 'a' then s else t end", "nullif(t, 'a')",
        ] {
            let rows = try Evaluate.rows(source, batch)
            #expect(rows.count == 2, "\(source)")
        }
        #expect(try Evaluate.rows("concat(s, t)", batch) == [.string(""), .string("a")])
        #expect(try Evaluate.rows("coalesce(s, t, 'z')", batch) == [.string("z"), .string("a")])
    }

    @Test func mismatchedBatchesReadNulls() throws {
        let compiled = try Expr.compile("x + 1", schema: Self.schema)
        // `x` holds ints in this batch: the expression reads nulls instead of misreading.
        let wrongType = Evaluate.batch([("x", .int64, [.int(1), .int(2)])])
        #expect((0..<2).map { compiled.evaluate(wrongType, context: EvaluationContext()).value(at: $0) } == [.null, .null])
        let missing = Evaluate.batch([("y", .double, [.double(1)])])
        #expect(compiled.evaluate(missing, context: EvaluationContext()).value(at: 0) == .null)
        // Another column order: fields are found by name.
        let reordered = Evaluate.batch([("i", .int64, [.int(5)]), ("x", .double, [.double(2)])])
        #expect(compiled.evaluate(reordered, context: EvaluationContext()).value(at: 0) == .double(3))
    }

    @Test func constantsAndEmptyBatches() throws {
        let batch = repeatedStrings()
        let constant = try Expr.compile("'k' || 1", schema: Self.schema)
        let column = constant.evaluate(batch, context: EvaluationContext())
        #expect(column.count == 4096 && column.dictionary == ["k1"] && column.validity == nil)
        let null = try Expr.compile("1 / 0", schema: Self.schema).evaluate(batch, context: EvaluationContext())
        #expect(null.type == .double && null.count == 4096 && null.validity?.allSatisfy { !$0 } == true)
        let empty = Batch.empty(Self.schema)
        for source in ["s || 'x'", "x + i", "s in ('a')", "lower(s) = 'a' and x > 1", "now()", "1", "coalesce(i, 0)"] {
            #expect(try Expr.compile(source, schema: Self.schema).evaluate(empty, context: EvaluationContext()).count == 0)
        }
    }
}
