import SluiceCore
import SluiceExpr
import Testing

/// SQL three-valued logic, spelled out as truth tables (not via the reference).
@Suite struct LogicTests {
    static let values: [Value] = [.bool(true), .bool(false), .null]
    /// All nine (b, c) pairs.
    static let pairs = Evaluate.batch([
        ("b", .bool, values.flatMap { v in values.map { _ in v } }),
        ("c", .bool, values.flatMap { _ in values }),
    ])

    let t = Value.bool(true)
    let f = Value.bool(false)
    let u = Value.null

    @Test func andTable() throws {
        // rows: (T,T) (T,F) (T,N) (F,T) (F,F) (F,N) (N,T) (N,F) (N,N)
        #expect(try Evaluate.rows("b and c", Self.pairs) == [t, f, u, f, f, f, u, f, u])
    }

    @Test func orTable() throws {
        #expect(try Evaluate.rows("b or c", Self.pairs) == [t, t, t, t, f, u, t, u, u])
    }

    @Test func notTable() throws {
        #expect(try Evaluate.rows("not b", Self.pairs) == [f, f, f, t, t, t, u, u, u])
    }

    @Test func constantOperandsFollowTheSameTables() throws {
        #expect(try Evaluate.rows("b and null", Self.pairs) == [u, u, u, f, f, f, u, u, u])
        #expect(try Evaluate.rows("null or c", Self.pairs) == [t, u, u, t, u, u, t, u, u])
        #expect(try Evaluate.rows("false and c", Self.pairs) == Array(repeating: f, count: 9))
        #expect(try Evaluate.rows("b or true", Self.pairs) == Array(repeating: t, count: 9))
        #expect(try Evaluate.rows("true and c", Self.pairs) == [t, f, u, t, f, u, t, f, u])
        #expect(try Evaluate.value("null and false") == f)
        #expect(try Evaluate.value("null or true") == t)
        #expect(try Evaluate.value("not null") == u)
    }

    @Test func isNullIsNeverNull() throws {
        #expect(try Evaluate.rows("b is null", Self.pairs) == [f, f, f, f, f, f, t, t, t])
        #expect(try Evaluate.rows("b is not null", Self.pairs) == [t, t, t, t, t, t, f, f, f])
    }

    @Test func inListsWithNulls() throws {
        let x = Evaluate.batch([("x", .int64, [.int(1), .int(2), .null])])
        #expect(try Evaluate.rows("x in (1, 3)", x) == [t, f, u])
        #expect(try Evaluate.rows("x in (1, null)", x) == [t, u, u])
        #expect(try Evaluate.rows("x not in (1, null)", x) == [f, u, u])
        #expect(try Evaluate.rows("x not in (3)", x) == [t, t, u])
        #expect(try Evaluate.rows("x in (x, null)", x) == [t, t, u])
        #expect(try Evaluate.value("null in (1)") == u)
    }

    @Test func betweenWithNullBounds() throws {
        let x = Evaluate.batch([("x", .int64, [.int(1), .int(5), .null])])
        #expect(try Evaluate.rows("x between 0 and 3", x) == [t, f, u])
        #expect(try Evaluate.rows("x between null and 3", x) == [u, f, u])
        #expect(try Evaluate.rows("x not between null and 3", x) == [u, t, u])
    }

    @Test func caseTreatsNullConditionsAsFalse() throws {
        #expect(try Evaluate.rows("case when b then 'yes' else 'no' end", Self.pairs).map(\.asString) ==
            ["yes", "yes", "yes", "no", "no", "no", "no", "no", "no"])
        #expect(try Evaluate.rows("case when b then 1 when c then 2 end", Self.pairs) ==
            [.int(1), .int(1), .int(1), .int(2), u, u, .int(2), u, u])
        #expect(try Evaluate.rows("case b when true then 'T' when false then 'F' else '?' end", Self.pairs)
            .map(\.asString) == ["T", "T", "T", "F", "F", "F", "?", "?", "?"])
        #expect(try Evaluate.rows("if(b, 1, 0)", Self.pairs) == [.int(1), .int(1), .int(1), .int(0), .int(0), .int(0), .int(0), .int(0), .int(0)])
    }
}
