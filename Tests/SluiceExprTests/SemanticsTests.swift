import SluiceCore
import SluiceExpr
import Testing

/// The documented null, overflow, NaN, cast, string and time semantics, with hand-written
/// expected values.
@Suite struct SemanticsTests {
    private func value(_ source: String, now: Int64 = 0) throws -> Value { try Evaluate.value(source, now: now) }

    @Test func integerOverflowIsNull() throws {
        #expect(try value("9223372036854775807 + 1") == .null)
        #expect(try value("-9223372036854775808 - 1") == .null)
        #expect(try value("4611686018427387904 * 2") == .null)
        #expect(try value("-(-9223372036854775808)") == .null)
        #expect(try value("abs(-9223372036854775808)") == .null)
        #expect(try value("-9223372036854775808 % -1") == .int(0))
        #expect(try value("-9223372036854775808 / -1") == .double(9.223372036854775808e18))
        #expect(try value("from_millis(9223372036854775807) + 1") == .null)
        let big = Evaluate.batch([("i", .int64, [.int(.max), .int(1), .int(.min)])])
        #expect(try Evaluate.rows("i + 1", big) == [.null, .int(2), .int(.min + 1)])
        #expect(try Evaluate.rows("i - 1", big) == [.int(.max - 1), .int(0), .null])
        #expect(try Evaluate.rows("-i", big) == [.int(-.max), .int(-1), .null])
    }

    @Test func divisionByZeroIsNull() throws {
        #expect(try value("1 / 0") == .null)
        #expect(try value("1.0 / 0") == .null)
        #expect(try value("0.0 / 0.0") == .null)
        #expect(try value("5 % 0") == .null)
        #expect(try value("5.5 % 0") == .null)
        #expect(try value("7 / 2") == .double(3.5))
        #expect(try value("-7 % 3") == .int(-1))
        #expect(try value("7.5 % 2") == .double(1.5))
    }

    @Test func nanAndInfinityBecomeNull() throws {
        for source in ["sqrt(-1)", "ln(0)", "ln(-1)", "exp(1000)", "pow(-8, 1.0 / 3)", "1e308 * 10", "pow(0, -1)", "-1e308 - 1e308"] {
            #expect(try value(source) == .null, "\(source)")
        }
        let nan = Evaluate.batch([("x", .double, [.double(.nan), .double(.infinity), .double(2)])])
        #expect(try Evaluate.rows("x + 1", nan) == [.null, .null, .double(3)])
        #expect(try Evaluate.rows("sqrt(x)", nan) == [.null, .null, .double(2.squareRoot())])
        #expect(try Evaluate.rows("round(x)", nan) == [.null, .null, .double(2)])
        #expect(try Evaluate.rows("int(x)", nan) == [.null, .null, .int(2)])
        #expect(try Evaluate.rows("bool(x)", nan) == [.null, .bool(true), .bool(true)])
        #expect(try Evaluate.rows("x = x", nan) == [.bool(false), .bool(true), .bool(true)])
        #expect(try Evaluate.rows("x is null", nan) == [.bool(false), .bool(false), .bool(false)])
        // A bare field passes its values through unchanged.
        #expect(try Evaluate.rows("x", nan)[0].asDouble?.isNaN == true)
    }

    @Test func nullPropagation() throws {
        #expect(try value("1 + null") == .null)
        #expect(try value("'a' || null") == .null)
        #expect(try value("lower(null)") == .null)
        #expect(try value("concat(null, 'a', null)") == .string("a"))
        #expect(try value("concat(null, null)") == .string(""))
        #expect(try value("coalesce(null, null, 3)") == .int(3))
        #expect(try value("nullif(1, 1)") == .null)
        #expect(try value("nullif(1, 2)") == .int(1))
        #expect(try value("nullif(1, 1.0)") == .null)
        #expect(try value("least(null, 3, 1)") == .int(1))
        #expect(try value("greatest(1, null, 2.5)") == .double(2.5))
        #expect(try value("least(null, null)") == .null)
        #expect(try value("clamp(null, 1, 2)") == .null)
        #expect(try value("null = null") == .null)
    }

    @Test func castsToNumbers() throws {
        #expect(try value("int('42')") == .int(42))
        #expect(try value("int(' 42 ')") == .int(42))
        #expect(try value("int('4.9')") == .int(4))
        #expect(try value("int('-4.9')") == .int(-4))
        #expect(try value("int('1e3')") == .int(1000))
        #expect(try value("int('abc')") == .null)
        #expect(try value("int('')") == .null)
        #expect(try value("int(1e19)") == .null)
        #expect(try value("int(-2.7)") == .int(-2))
        #expect(try value("int(true)") == .int(1))
        #expect(try value("int(from_millis(5))") == .int(5))
        #expect(try value("double('nan')") == .null)
        #expect(try value("double('inf')") == .null)
        #expect(try value("double('1e3')") == .double(1000))
        #expect(try value("double(false)") == .double(0))
        #expect(try value("cast(3 as double)") == .double(3))
    }

    @Test func castsToBoolAndString() throws {
        #expect(try value("bool('YES')") == .bool(true))
        #expect(try value("bool(' f ')") == .bool(false))
        #expect(try value("bool('0')") == .bool(false))
        #expect(try value("bool('maybe')") == .null)
        #expect(try value("bool(2)") == .bool(true))
        #expect(try value("bool(0.0)") == .bool(false))
        #expect(try value("string(1.5)") == .string("1.5"))
        #expect(try value("string(-7)") == .string("-7"))
        #expect(try value("string(true)") == .string("true"))
        #expect(try value("string(from_millis(0))") == .string("1970-01-01T00:00:00.000Z"))
        #expect(try value("string(from_millis(-1))") == .string("1969-12-31T23:59:59.999Z"))
        #expect(try value("string(from_millis(1709294405250))") == .string("2024-03-01T12:00:05.250Z"))
        #expect(try value("string(from_millis(-62135596800000))") == .string("0001-01-01T00:00:00.000Z"))
        let column = Evaluate.batch([("i", .int64, [.int(1), .int(2), .int(1), .null, .int(1)])])
        let compiled = try Expr.compile("string(i)", schema: column.schema)
        let strings = compiled.evaluate(column, context: EvaluationContext())
        #expect((0..<5).map { strings.value(at: $0) } == [.string("1"), .string("2"), .string("1"), .null, .string("1")])
        #expect(strings.dictionary.count == 3)  // one entry per distinct value (the null row renders 0)
    }

    @Test func castsToTimestamp() throws {
        #expect(try value("timestamp('2024-03-01')") == .timestamp(1_709_251_200_000))
        #expect(try value("timestamp('2024-03-01T10:00:00Z')") == .timestamp(1_709_287_200_000))
        #expect(try value("timestamp('2024-03-01 10:00')") == .timestamp(1_709_287_200_000))
        #expect(try value("timestamp('2024-03-01T10:00:00.5+02:00')") == .timestamp(1_709_280_000_500))
        #expect(try value("timestamp('2024-03-01T10:00:00.123456-0130')") == .timestamp(1_709_292_600_123))
        #expect(try value("timestamp('2024-02-29T00:00:00Z')") == .timestamp(1_709_164_800_000))
        #expect(try value("timestamp('2023-02-29')") == .null)
        #expect(try value("timestamp('2024-13-01')") == .null)
        #expect(try value("timestamp('2024-03-01T25:00')") == .null)
        #expect(try value("timestamp('yesterday')") == .null)
        #expect(try value("timestamp(1500)") == .timestamp(1500))
        #expect(try value("timestamp(1.9)") == .timestamp(1))
        let ts = Evaluate.batch([("ts", .timestamp, [.timestamp(1_709_287_200_000), .timestamp(0)])])
        #expect(try Evaluate.rows("ts >= '2024-03-01T10:00:00Z'", ts) == [.bool(true), .bool(false)])
        #expect(try Evaluate.rows("ts in ('1970-01-01', '2000-01-01')", ts) == [.bool(false), .bool(true)])
    }

    @Test func stringFunctions() throws {
        #expect(try value("substr('hello', 0, 2)") == .string("h"))
        #expect(try value("substr('hello', -5, 10)") == .string("hell"))
        #expect(try value("substr('hello', 3)") == .string("llo"))
        #expect(try value("substr('hello', 10)") == .string(""))
        #expect(try value("substr('hello', 2, -1)") == .null)
        #expect(try value("substr('héllo', 2, 2)") == .string("él"))
        #expect(try value("substr('hello', 2, 9223372036854775807)") == .string("ello"))
        #expect(try value("length('e\u{301}')") == .int(1))
        #expect(try value("length('日本語')") == .int(3))
        #expect(try value("length('')") == .int(0))
        #expect(try value("replace('aaa', 'a', 'bb')") == .string("bbbbbb"))
        #expect(try value("replace('abc', '', 'x')") == .string("abc"))
        #expect(try value("contains('abc', '')") == .bool(true))
        #expect(try value("contains('abc', 'bc')") == .bool(true))
        #expect(try value("starts_with('', '')") == .bool(true))
        #expect(try value("ends_with('abc', 'abcd')") == .bool(false))
        #expect(try value("trim('\t x y \n')") == .string("x y"))
        #expect(try value("upper('straße')") == .string("STRASSE"))
        #expect(try value("concat(1, true, 2.5, 'x')") == .string("1true2.5x"))
        #expect(try value("'é' = 'e\u{301}'") == .bool(true))
        #expect(try value("'a' < 'b' and 'B' < 'a'") == .bool(true))
    }

    @Test func timeFunctions() throws {
        #expect(try value("now()", now: 12_345) == .timestamp(12_345))
        #expect(try value("to_millis(now()) + 1", now: 12_345) == .int(12_346))
        #expect(try value("5s + 1m") == .int(65_000))
        let wednesday: Int64 = 1_709_683_200_000 + 3_723_456  // 2024-03-06T01:02:03.456Z
        #expect(try value("date_trunc('second', from_millis(\(wednesday)))") == .timestamp(wednesday - 456))
        #expect(try value("date_trunc('minute', from_millis(\(wednesday)))") == .timestamp(wednesday - 3_456))
        #expect(try value("date_trunc('hour', from_millis(\(wednesday)))") == .timestamp(wednesday - 123_456))
        #expect(try value("date_trunc('day', from_millis(\(wednesday)))") == .timestamp(1_709_683_200_000))
        #expect(try value("date_trunc('week', from_millis(\(wednesday)))") == .timestamp(1_709_510_400_000))
        #expect(try value("date_trunc('month', from_millis(\(wednesday)))") == .timestamp(1_709_251_200_000))
        #expect(try value("date_trunc('year', from_millis(\(wednesday)))") == .timestamp(1_704_067_200_000))
        #expect(try value("date_trunc('day', from_millis(-1))") == .timestamp(-86_400_000))
        #expect(try value("date_trunc('second', from_millis(-1))") == .timestamp(-1_000))
        #expect(try value("date_trunc('month', from_millis(-1468800000))") == .timestamp(-2_678_400_000))
        #expect(try value("date_trunc('year', from_millis(-14817513600000))") == .timestamp(-14_831_769_600_000))
        #expect(try value("date_trunc('day', from_millis(-9223372036854775808))") == .null)
        #expect(try value("from_millis(1000) - from_millis(250)") == .int(750))
    }

    @Test func mathFunctions() throws {
        #expect(try value("round(2.5)") == .double(3))
        #expect(try value("round(-2.5)") == .double(-3))
        #expect(try value("round(1.2345, 2)") == .double(1.23))
        #expect(try value("round(1250, -2)") == .double(1300))
        #expect(try value("round(1.5, 20)") == .double(1.5))
        #expect(try value("round(7)") == .int(7))
        #expect(try value("floor(-1.5)") == .double(-2))
        #expect(try value("ceil(-1.5)") == .double(-1))
        #expect(try value("floor(3)") == .int(3))
        #expect(try value("abs(-3)") == .int(3))
        #expect(try value("abs(-3.5)") == .double(3.5))
        #expect(try value("pow(2, 10)") == .double(1024))
        #expect(try value("clamp(15, 0, 10)") == .int(10))
        #expect(try value("clamp(-1.5, 0, 10)") == .double(0))
        #expect(try value("greatest(3, 9, 4)") == .int(9))
        #expect(try value("least(from_millis(5), from_millis(2))") == .timestamp(2))
    }
}
