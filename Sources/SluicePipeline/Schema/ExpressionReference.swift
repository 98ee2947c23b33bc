/// The expression language as the reference documents it: syntax, operators and every
/// function, each with an example.
///
/// SluiceExpr lists its functions (`ExprFunctions.names`) but not what they do, so the
/// descriptions live here; a test checks that this list names exactly the functions the
/// language has, and that every example compiles in a pipeline file.
enum ExpressionReference {
    /// One documented construct: how it is written, what it does, an expression using it.
    struct Entry: Sendable {
        var syntax: String
        var doc: String
        var example: String
        /// True when the example needs the fields a window adds (`window_start`).
        var afterWindow = false
    }

    static let syntax: [Entry] = [
        Entry(syntax: "42, -7, 1.5, .5, 1e3", doc: "Integers and decimals.", example: "value * 1e3 + .5"),
        Entry(syntax: "500ms, 5s, 1m, 2h, 1d", doc: "Durations, as int milliseconds.", example: "ts + 5m"),
        Entry(syntax: "'text', 'it''s'", doc: "Strings in single quotes; '' is a quote.", example: "reason = 'it''s late'"),
        Entry(syntax: "true, false, null", doc: "Booleans and null.", example: "coalesce(success, false) = true"),
        Entry(syntax: "field, `odd name`", doc: "Fields by name (case-sensitive), or in backquotes.", example: "`agent_id` || ':' || metric"),
        Entry(syntax: "+ - * / %, unary -", doc: "Arithmetic; int / int is a double, % keeps ints; overflow and division by zero give null.", example: "-(items % 7) + latency_ms / 2"),
        Entry(syntax: "a || b", doc: "String concatenation.", example: "agent_id || '/' || metric"),
        Entry(syntax: "= == != <> < <= > >=", doc: "Comparisons; they do not chain (write a < b and b < c).", example: "value >= 0.5 and metric <> 'cpu'"),
        Entry(syntax: "and, or, not", doc: "Three-valued logic: null and false is false, null or true is true.", example: "not (success or hit)"),
        Entry(syntax: "x in (a, b), x not in (...)", doc: "Membership in a list.", example: "type in ('task.failed', 'task.timeout')"),
        Entry(syntax: "x is null, x is not null", doc: "Null tests.", example: "error is not null"),
        Entry(syntax: "x between a and b", doc: "Inclusive range; also not between.", example: "score between 0.2 and 0.8"),
        Entry(
            syntax: "case when c then v ... else w end", doc: "The first branch whose condition holds; no else gives null.",
            example: "case when value > 0.9 then 'high' when value > 0.5 then 'mid' else 'low' end"),
        Entry(syntax: "case x when a then v ... end", doc: "Compares x with each value.", example: "case metric when 'cpu' then value * 100 else value end"),
        Entry(syntax: "cast(x as type)", doc: "Conversion to int, double, string, bool or timestamp; a failed cast gives null.", example: "cast(items as double) / 10"),
        Entry(syntax: "ts > '2026-01-31T12:00:00Z'", doc: "Timestamps compare with constant ISO 8601 strings.", example: "ts >= '2026-01-01T00:00:00Z'"),
    ]

    /// Every function of the language, in `ExprFunctions.names` order.
    static let functions: [Entry] = [
        Entry(syntax: "abs(x)", doc: "Absolute value.", example: "abs(gain)"),
        Entry(syntax: "bool(x)", doc: "Converts to bool ('true'/'false', numbers: non-zero is true).", example: "bool(items)"),
        Entry(syntax: "ceil(x)", doc: "Rounds up.", example: "ceil(latency_ms)"),
        Entry(syntax: "clamp(x, lo, hi)", doc: "x limited to lo…hi.", example: "clamp(score, 0, 1)"),
        Entry(syntax: "coalesce(a, ...)", doc: "The first non-null argument.", example: "coalesce(tenant, 'default')"),
        Entry(syntax: "concat(a, ...)", doc: "Strings joined; nulls count as empty.", example: "concat(agent_id, '-', metric)"),
        Entry(syntax: "contains(s, p)", doc: "True when s contains p.", example: "contains(reason, 'timeout')"),
        Entry(
            syntax: "date_trunc(unit, ts)", doc: "ts rounded down to the second, minute, hour, day, week, month or year (UTC).",
            example: "date_trunc('hour', ts)"),
        Entry(syntax: "double(x)", doc: "Converts to double.", example: "double(items)"),
        Entry(syntax: "ends_with(s, p)", doc: "True when s ends with p.", example: "ends_with(type, '.failed')"),
        Entry(syntax: "exp(x)", doc: "e to the power x.", example: "exp(gain)"),
        Entry(syntax: "floor(x)", doc: "Rounds down.", example: "floor(value * 10)"),
        Entry(syntax: "from_millis(n)", doc: "The timestamp n epoch milliseconds.", example: "from_millis(to_millis(ts) + 1000)"),
        Entry(syntax: "greatest(a, ...)", doc: "The largest non-null argument.", example: "greatest(value, 0)"),
        Entry(syntax: "if(c, a, b)", doc: "a when c is true, else b.", example: "if(success, 1, 0)"),
        Entry(syntax: "int(x)", doc: "Converts to int.", example: "int(latency_ms)"),
        Entry(syntax: "least(a, ...)", doc: "The smallest non-null argument.", example: "least(value, 1)"),
        Entry(syntax: "length(s)", doc: "Number of characters.", example: "length(agent_id)"),
        Entry(syntax: "ln(x)", doc: "Natural logarithm (null for x ≤ 0).", example: "ln(latency_ms + 1)"),
        Entry(syntax: "lower(s)", doc: "Lower case.", example: "lower(metric)"),
        Entry(syntax: "now()", doc: "Processing time (the wall clock) as a timestamp.", example: "now() - ts"),
        Entry(syntax: "nullif(a, b)", doc: "Null when a equals b, else a.", example: "nullif(tenant, '')"),
        Entry(syntax: "pow(x, y)", doc: "x to the power y.", example: "pow(value, 2)"),
        Entry(syntax: "replace(s, from, to)", doc: "Every from in s replaced by to.", example: "replace(type, '.', '_')"),
        Entry(syntax: "round(x[, digits])", doc: "Rounds half away from zero, to digits decimals.", example: "round(value, 2)"),
        Entry(syntax: "sqrt(x)", doc: "Square root (null for x < 0).", example: "sqrt(abs(gain))"),
        Entry(syntax: "starts_with(s, p)", doc: "True when s starts with p.", example: "starts_with(type, 'task.')"),
        Entry(syntax: "string(x)", doc: "Converts to string.", example: "string(items)"),
        Entry(syntax: "substr(s, start[, length])", doc: "Part of s from start (1-based).", example: "substr(agent_id, 1, 8)"),
        Entry(syntax: "timestamp(x)", doc: "Converts to timestamp (epoch milliseconds or ISO 8601 text).", example: "timestamp('2026-01-01T00:00:00Z')"),
        Entry(syntax: "to_millis(ts)", doc: "Epoch milliseconds of a timestamp.", example: "to_millis(ts) % 1000"),
        Entry(syntax: "trim(s)", doc: "s without leading and trailing white space.", example: "trim(reason)"),
        Entry(syntax: "upper(s)", doc: "Upper case.", example: "upper(metric)"),
        Entry(
            syntax: "window_end()", doc: "The end of the row's window (after a window and aggregate).",
            example: "window_end() - window_start()", afterWindow: true),
        Entry(
            syntax: "window_start()", doc: "The start of the row's window (after a window and aggregate).",
            example: "date_trunc('day', window_start())", afterWindow: true),
    ]

    /// The function an entry documents (`substr(s, start[, length])` → `substr`).
    static func name(of entry: Entry) -> String { String(entry.syntax.prefix { $0 != "(" }) }

    /// The example as a step (or steps) of a pipeline over the DAA events.
    static func example(_ entry: Entry) -> SchemaExample {
        let map = "- map:\n    example: \"\(entry.example)\""
        guard entry.afterWindow else { return .steps(map) }
        return .steps("- key_by: [agent_id]\n- window: { tumbling: 1m }\n- aggregate: { events: count() }\n" + map)
    }
}
