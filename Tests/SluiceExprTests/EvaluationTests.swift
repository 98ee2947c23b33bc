import SluiceCore
import SluiceExpr
import Testing

/// Every operator and function, evaluated by the engine over random batches (nulls,
/// extremes, dictionary layouts) and compared row by row with the reference interpreter.
@Suite struct EvaluationTests {
    static let batches = Harness.batches(seed: 0x5EED_0001)

    static let arithmetic = [
        "i + j", "i - j", "i * j", "i / j", "i % j", "x + y", "x - y", "x * y", "x / y", "x % y",
        "i + x", "x - i", "i * y", "i / x", "x % i", "-i", "-x", "-(i + n)", "i + 1", "1 - x", "i * 3 % 7",
        "n / 0", "x / 0", "i % 0", "x % 0.0", "i % -1", "i * 9223372036854775807", "-9223372036854775808 - i",
        "i + null", "null * x", "null / i", "ts + i", "ts - n", "i + ts", "ts - ts2", "ts2 - 5s", "ts + 1d",
        "ts - 500ms", "2h + ts", "(i + j) * (x - y)", "i - j - n", "i / j / n",
    ]

    static let strings = [
        "s || t", "s || 'x'", "'>' || s", "s || i", "x || s", "s || ts", "s || null", "concat(s)",
        "concat(s, '-', t)", "concat(s, i, x, b, ts)", "concat(null, s)", "concat(s, s, t)", "lower(s)",
        "upper(t)", "trim(s)", "length(s)", "length(t) + 1", "starts_with(s, 'a')", "starts_with(t, s)",
        "ends_with(s, 'd')", "ends_with(s, t)", "contains(s, 'e')", "contains(t, s)", "contains(s, '')",
        "substr(s, 2)", "substr(s, 2, 3)", "substr(s, -1, 3)", "substr(s, i)", "substr(t, i, j)", "substr(s, 1, -1)",
        "substr(s, 0)", "replace(s, 'a', 'A')", "replace(s, '', 'x')", "replace(t, s, '#')", "replace(s, t, s)",
        "lower(s) = lower(t)", "upper(s) || lower(t)", "length(lower(s) || upper(t))",
    ]

    static let comparisons = [
        "i = j", "i != j", "i <> j", "i < j", "i <= j", "i > j", "i >= j", "i == n", "x = y", "x < y", "i < x",
        "x >= i", "s = t", "s < t", "s >= t", "s <> t", "s = 'metric'", "'metric' <= s", "s != ''", "s > 'b'",
        "b = c", "b < c", "b >= c", "ts < ts2", "ts >= ts2", "ts = ts", "i = null", "lower(s) > upper(t)",
        "trim(s) = t", "1 < i", "0.5 > x",
    ]

    static let logic = [
        "b and c", "b or c", "not b", "b and not c", "i > 0 and x < 0", "b or i is null", "not (b or c)",
        "b and true", "c or false", "null and b", "null or b", "b and null", "false and c", "true or c",
        "(i > j) = b", "b and c or not b and i < 0",
    ]

    static let predicates = [
        "i is null", "s is not null", "x is null", "n is null", "i + j is null", "i in (1, 2, 3)",
        "i not in (0, -1)", "x in (0.5, 1, -2.5)", "i in (0.5, 1)", "s in ('a', 'metric', '')",
        "s not in ('a', null)", "i in (1, null)", "i not in (1, null)", "b in (true)", "b not in (false, null)",
        "ts in (ts2, ts)", "i in (j, n, 1)", "s in (t, 'a')", "i between -5 and 5", "x between i and j",
        "s between 'a' and 'm'", "i not between j and n", "ts between ts2 - 1d and ts2", "i between null and 5",
        "s in ('a','b','c','d','e','f','g','h','i','j')", "i in (1,2,3,4,5,6,7,8,9,10,11,-1)",
        "x in (1.5, 2.5, 0, 1, 2, 3, 4, 5, 6, 7)",
    ]

    static let cases = [
        "case when b then i else j end", "case when b then i when c then x end",
        "case s when 'a' then 1 when 'metric' then 2 else 3 end", "case i when 0 then 'zero' when j then 'j' end",
        "case when i > 0 then s else t end", "case when b then ts end", "case when c then b else not b end",
        "case x when 1 then 'one' else null end", "case when b then s when c then 'c' else lower(t) end",
        "case when null then 1 else 2 end", "case i when null then 1 else 2 end",
    ]

    static let casts = [
        "cast(i as double)", "cast(i as string)", "cast(i as bool)", "cast(i as timestamp)", "cast(x as int)",
        "cast(x as string)", "cast(x as bool)", "cast(x as timestamp)", "cast(s as int)", "cast(s as double)",
        "cast(s as bool)", "cast(s as timestamp)", "cast(b as int)", "cast(b as double)", "cast(b as string)",
        "cast(ts as int)", "cast(ts as double)", "cast(ts as string)", "int(x)", "double(s)", "string(b)", "bool(s)",
        "timestamp(i)", "int(s) + 1", "cast(t as string)", "cast(i as int)", "string(n)", "bool(x)", "double(t)",
    ]

    static let nulls = [
        "coalesce(i, j, n)", "coalesce(i, x)", "coalesce(s, t)", "coalesce(s, 'none')", "coalesce(null, b, c)",
        "coalesce(ts, ts2)", "coalesce(i)", "coalesce(x, y, 0)", "coalesce(i, j) + 1", "nullif(i, j)", "nullif(s, 'a')",
        "nullif(x, i)", "nullif(t, s)", "if(b, i, j)", "if(c, s, 'other')", "if(b, x, i)", "if(i > j, ts, ts2)",
        "if(null, 1, 2)",
    ]

    static let time = [
        "now()", "now() - ts", "ts < now() - 1d", "date_trunc('second', ts)", "date_trunc('minute', ts)",
        "date_trunc('hour', ts)", "date_trunc('day', ts)", "date_trunc('week', ts)", "date_trunc('month', ts)",
        "date_trunc('year', ts)", "date_trunc('MINUTE', ts2)", "to_millis(ts)", "from_millis(i)",
        "from_millis(to_millis(ts) + 1)", "to_millis(ts) % 1000", "date_trunc('day', now())",
    ]

    static let math = [
        "abs(i)", "abs(x)", "floor(x)", "ceil(x)", "round(x)", "round(i)", "floor(i)", "ceil(i)", "round(x, 1)",
        "round(x, -1)", "round(i, 2)", "round(x, j)", "sqrt(x)", "sqrt(i)", "ln(x)", "exp(x)", "pow(x, 2)",
        "pow(i, y)", "pow(2, 10)", "least(i, j)", "least(i, x, n)", "greatest(x, y)", "greatest(i, null, j)",
        "least(ts, ts2)", "greatest(i)", "clamp(i, -5, 5)", "clamp(x, y, 10)", "clamp(i, j, n)",
        "clamp(ts, ts2, ts2 + 1d)", "abs(-9223372036854775808)",
    ]

    @Test(arguments: arithmetic) func arithmeticOperators(_ source: String) { expectAgrees(source) }
    @Test(arguments: strings) func stringFunctions(_ source: String) { expectAgrees(source) }
    @Test(arguments: comparisons) func comparisonOperators(_ source: String) { expectAgrees(source) }
    @Test(arguments: logic) func logicalOperators(_ source: String) { expectAgrees(source) }
    @Test(arguments: predicates) func predicateOperators(_ source: String) { expectAgrees(source) }
    @Test(arguments: cases) func caseExpressions(_ source: String) { expectAgrees(source) }
    @Test(arguments: casts) func castConversions(_ source: String) { expectAgrees(source) }
    @Test(arguments: nulls) func nullFunctions(_ source: String) { expectAgrees(source) }
    @Test(arguments: time) func timeFunctions(_ source: String) { expectAgrees(source) }
    @Test(arguments: math) func mathFunctions(_ source: String) { expectAgrees(source) }

    private func expectAgrees(_ source: String) {
        let problems = Harness.mismatches(source, batches: Self.batches)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
