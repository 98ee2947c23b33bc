import SluiceCore
import SluiceExpr
import Testing

/// Compile-time errors (exact messages and positions) and the static facts of compiled
/// expressions (type, nullability, fields read, constants).
@Suite struct TypeCheckerTests {
    static let schema = Schema([
        Field("agent_id", .string, nullable: false), Field("type", .string, nullable: false),
        Field("value", .double), Field("items", .int64), Field("ok", .bool), Field("ts", .timestamp, nullable: false),
        Field("metric", .string),
    ])

    private func errors(_ source: String, condition: Bool = false) -> [ExprDiagnostic] {
        Diagnose.compile(source, schema: Self.schema, condition: condition)
    }

    private func expectError(_ source: String, at part: String, _ message: String, occurrence: Int = 0) {
        #expect(errors(source) == [Diagnose.at(part, in: source, message, occurrence: occurrence)])
    }

    @Test func unknownFieldsSuggestCloseNames() {
        expectError("agnet_id = 'a'", at: "agnet_id", "unknown field 'agnet_id' — did you mean 'agent_id'?")
        expectError("Agent_ID = 'a'", at: "Agent_ID", "unknown field 'Agent_ID' — did you mean 'agent_id'?")
        expectError("valeu > 1", at: "valeu", "unknown field 'valeu' — did you mean 'value'?")
        expectError("itms > 1", at: "itms", "unknown field 'itms' — did you mean 'items'?")
        expectError("zzz > 1", at: "zzz", "unknown field 'zzz'")
        expectError("x > 1", at: "x", "unknown field 'x'")
        expectError("`agent id` = 'a'", at: "`agent id`", "unknown field 'agent id' — did you mean 'agent_id'?")
    }

    @Test func unknownFunctionsSuggestCloseNames() {
        expectError("lowr(type) = 'a'", at: "lowr", "unknown function 'lowr' — did you mean 'lower'?")
        expectError("UPPR(type) = 'a'", at: "UPPR", "unknown function 'uppr' — did you mean 'upper'?")
        expectError("strts_with(type, 'a')", at: "strts_with", "unknown function 'strts_with' — did you mean 'starts_with'?")
        expectError("frobnicate(value) > 1", at: "frobnicate", "unknown function 'frobnicate'")
        expectError(
            "avg(value) > 1", at: "avg",
            "aggregate function 'avg' cannot be used in an expression; aggregates belong in an aggregate step")
        expectError(
            "max(value, 1) > 1", at: "max",
            "aggregate function 'max' cannot be used in an expression; use greatest(...) to compare values within a row")
    }

    @Test func wrongArgumentCounts() {
        expectError("lower(type, 1)", at: "lower(type, 1)", "function 'lower' expects 1 argument, got 2")
        expectError("substr(type)", at: "substr(type)", "function 'substr' expects 2 or 3 arguments, got 1")
        expectError("coalesce()", at: "coalesce()", "function 'coalesce' expects at least 1 argument, got 0")
        expectError("now(1)", at: "now(1)", "function 'now' expects 0 arguments, got 1")
        expectError("pow(2)", at: "pow(2)", "function 'pow' expects 2 arguments, got 1")
        expectError("if(ok, 1)", at: "if(ok, 1)", "function 'if' expects 3 arguments, got 2")
    }

    @Test func wrongArgumentTypes() {
        expectError("lower(value)", at: "value", "argument 1 of lower() must be string, got double")
        expectError("substr(type, 1.5)", at: "1.5", "argument 2 of substr() must be int, got double")
        expectError("sqrt(type)", at: "type", "argument 1 of sqrt() must be a number, got string")
        expectError("round(value, 1.5)", at: "1.5", "argument 2 of round() must be int, got double")
        expectError("starts_with(type, 1)", at: "1", "argument 2 of starts_with() must be string, got int")
        expectError("to_millis(items)", at: "items", "argument 1 of to_millis() must be timestamp, got int")
        expectError("from_millis(ts)", at: "ts", "argument 1 of from_millis() must be int, got timestamp")
        expectError("least(value, type)", at: "type", "argument 2 of least() must be a number or timestamp, got string")
        expectError("least(value, ts)", at: "ts", "arguments of least() have different types: double and timestamp")
        expectError("date_trunc('day', items)", at: "items", "argument 2 of date_trunc() must be timestamp, got int")
        expectError("date_trunc(type, ts)", at: "type", "argument 1 of date_trunc() must be a constant unit such as 'minute'")
        expectError(
            "date_trunc('fortnight', ts)", at: "'fortnight'",
            "unknown date_trunc unit 'fortnight'; expected second, minute, hour, day, week, month or year")
    }

    @Test func operatorTypeMismatches() {
        expectError("type + 1", at: "type + 1", "operator '+' cannot be applied to string and int")
        expectError(
            "type + agent_id", at: "type + agent_id",
            "operator '+' cannot be applied to string and string; use '||' to concatenate strings")
        expectError("ts * 2", at: "ts * 2", "operator '*' cannot be applied to timestamp and int")
        expectError("ts + ts", at: "ts + ts", "operator '+' cannot be applied to timestamp and timestamp")
        expectError("ts + value", at: "ts + value", "operator '+' cannot be applied to timestamp and double")
        expectError("ok - 1", at: "ok - 1", "operator '-' cannot be applied to bool and int")
        expectError("type * null", at: "type * null", "operator '*' cannot be applied to string and null")
        expectError("-type", at: "-type", "operator '-' cannot be applied to string")
        expectError("-ts", at: "-ts", "operator '-' cannot be applied to timestamp")
        expectError("ok || ok", at: "||", "operator '||' concatenates strings; use 'or' for logical or")
        expectError("cast(ok as timestamp)", at: "cast(ok as timestamp)", "cannot cast bool to timestamp")
        expectError("timestamp(ok)", at: "timestamp(ok)", "cannot cast bool to timestamp")
        expectError("bool(ts)", at: "bool(ts)", "cannot cast timestamp to bool")
    }

    @Test func incomparableTypes() {
        expectError("value = 'x'", at: "value = 'x'", "cannot compare double with string")
        expectError("ts > 5", at: "ts > 5", "cannot compare timestamp with int")
        expectError("ok < 1", at: "ok < 1", "cannot compare bool with int")
        expectError("items in (1, 'a', 2)", at: "'a'", "cannot compare int with string")
        expectError("items between 1 and 'z'", at: "'z'", "cannot compare int with string")
        expectError("case type when 1 then 2 end", at: "1", "cannot compare string with int")
        expectError("nullif(items, type)", at: "nullif(items, type)", "cannot compare int with string")
        expectError("ts > 'yesterday'", at: "'yesterday'", "invalid timestamp 'yesterday'; expected ISO 8601 such as '2024-01-31T12:00:00Z'")
        expectError("ts > type", at: "ts > type", "cannot compare timestamp with string")
    }

    @Test func conditionsMustBeBool() {
        expectError("value and ok", at: "value", "operand of 'and' must be bool, got double")
        expectError("ok or type", at: "type", "operand of 'or' must be bool, got string")
        expectError("not value", at: "value", "operand of 'not' must be bool, got double")
        expectError("case when value then 1 end", at: "value", "'when' condition must be bool, got double")
        expectError("if(value, 1, 2)", at: "value", "argument 1 of if() must be bool, got double")
        #expect(errors("value + 1", condition: true) == [Diagnose.at("value + 1", in: "value + 1", "expected a bool condition, got double")])
        #expect(errors("type", condition: true) == [Diagnose.at("type", in: "type", "expected a bool condition, got string")])
        #expect(errors("ok and value > 1", condition: true).isEmpty)
        #expect(errors("null", condition: true).isEmpty)
    }

    @Test func branchesMustAgree() {
        expectError("case when ok then 1 else 'a' end", at: "'a'", "'case' branches have different types: int and string")
        expectError("case when ok then ts when true then 1.5 end", at: "1.5", "'case' branches have different types: timestamp and double")
        expectError("coalesce(value, type)", at: "type", "arguments of coalesce() have different types: double and string")
        expectError("if(ok, type, 1)", at: "1", "branches of if() have different types: string and int")
    }

    @Test func windowBoundsNeedWindowColumns() throws {
        expectError("window_start() < ts", at: "window_start()", "window_start() needs a timestamp field 'window_start'; it exists only after a window step")
        expectError("window_end()", at: "window_end()", "window_end() needs a timestamp field 'window_end'; it exists only after a window step")
        let windowed = Self.schema.appending(Field("window_start", .timestamp)).appending(Field("window_end", .timestamp))
        let compiled = try Expr.compile("window_end() - window_start()", schema: windowed)
        #expect(compiled.type == .int64)
        #expect(compiled.referencedFields == ["window_start", "window_end"])
    }

    @Test func everyErrorIsReportedInSourceOrder() {
        let source = "agnet_id = 1 and lowr(type) = 'a' and value + 'x' > 2 or not items"
        #expect(
            errors(source) == [
                Diagnose.at("agnet_id", in: source, "unknown field 'agnet_id' — did you mean 'agent_id'?"),
                Diagnose.at("lowr", in: source, "unknown function 'lowr' — did you mean 'lower'?"),
                Diagnose.at("value + 'x'", in: source, "operator '+' cannot be applied to double and string"),
                Diagnose.at("items", in: source, "operand of 'not' must be bool, got int"),
            ])
        // Arguments are checked even when the call itself is wrong.
        let call = "lower(valeu, nope)"
        #expect(
            errors(call) == [
                Diagnose.at(call, in: call, "function 'lower' expects 1 argument, got 2"),
                Diagnose.at("valeu", in: call, "unknown field 'valeu' — did you mean 'value'?"),
                Diagnose.at("nope", in: call, "unknown field 'nope'"),
            ])
    }

    @Test func errorsDoNotCascade() {
        expectError("agnet_id + 1 > 2 and ok", at: "agnet_id", "unknown field 'agnet_id' — did you mean 'agent_id'?")
        expectError("lower(nope) || 'x' = type", at: "nope", "unknown field 'nope'")
        expectError("case when ok then nope else 1 end", at: "nope", "unknown field 'nope'")
    }

    @Test func compiledFacts() throws {
        let scaled = try Expr.compile("value * 2", schema: Self.schema)
        #expect(scaled.type == .double && scaled.nullable && scaled.referencedFields == ["value"] && !scaled.isConstant)
        #expect(scaled.constantValue() == nil && scaled.source == "value * 2" && scaled.description == "value * 2")

        let id = try Expr.compile("agent_id", schema: Self.schema)
        #expect(id.type == .string && !id.nullable)
        let equal = try Expr.compile("agent_id = 'a'", schema: Self.schema)
        #expect(equal.type == .bool && !equal.nullable)
        #expect(try !Expr.compile("value is null", schema: Self.schema).nullable)
        #expect(try !Expr.compile("coalesce(value, 0)", schema: Self.schema).nullable)
        #expect(try Expr.compile("coalesce(value, 0)", schema: Self.schema).type == .double)
        #expect(try Expr.compile("items + 1", schema: Self.schema).nullable)  // overflow
        #expect(try Expr.compile("items / 2", schema: Self.schema).type == .double)
        #expect(try Expr.compile("ts - 5s", schema: Self.schema).type == .timestamp)
        #expect(try Expr.compile("ts - ts", schema: Self.schema).type == .int64)
        #expect(try !Expr.compile("concat(metric, value)", schema: Self.schema).nullable)

        let now = try Expr.compile("ts > now() - 5m", schema: Self.schema)
        #expect(now.referencedFields == ["ts"] && !now.isConstant)
        #expect(try !Expr.compile("now()", schema: Self.schema).isConstant)
    }

    @Test func constantsAreFolded() throws {
        func constant(_ source: String) throws -> Value? {
            let compiled = try Expr.compile(source, schema: Self.schema)
            #expect(compiled.isConstant && compiled.referencedFields.isEmpty)
            return compiled.constantValue()
        }
        #expect(try constant("1 + 2 * 3") == .int(7))
        #expect(try constant("lower('ABC') || 'd'") == .string("abcd"))
        #expect(try constant("1 / 0") == .null)
        #expect(try constant("7 / 2") == .double(3.5))
        #expect(try constant("null") == .null)
        #expect(try Expr.compile("null", schema: Self.schema).type == .bool)
        #expect(try constant("from_millis(5)") == .timestamp(5))
        #expect(try constant("cast('2024-03-01' as timestamp)") == .timestamp(1_709_251_200_000))
        #expect(try constant("case when 1 > 2 then 'a' else 'b' end") == .string("b"))
        #expect(try constant("2 in (1, 2)") == .bool(true))
        #expect(try constant("coalesce(null, 1.5)") == .double(1.5))
        #expect(try constant("1 + 2.5") == .double(3.5))
        #expect(try constant("5s + 1m") == .int(65_000))
        #expect(try Expr.compile("1 + 2", schema: Self.schema).nullable == false)
    }

    @Test func functionNamesAreListed() {
        #expect(ExprFunctions.names == ExprFunctions.names.sorted())
        for name in ["lower", "upper", "concat", "coalesce", "date_trunc", "window_start", "clamp", "if", "int"] {
            #expect(ExprFunctions.names.contains(name))
        }
        #expect(!ExprFunctions.names.contains("avg"))
    }
}
