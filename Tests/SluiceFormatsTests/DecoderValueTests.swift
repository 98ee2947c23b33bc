import SluiceConnectors
import SluiceCore
import Testing

@testable import SluiceFormats

/// Field types, strings, nulls, duplicates, required fields and event types.
@Suite struct DecoderValueTests {
    static let schema = Schema([
        Field("a", .int64), Field("s", .string), Field("d", .double), Field("b", .bool), Field("t", .timestamp),
    ])

    func decodeOne(_ line: String, required: Set<String> = [], options: DecoderOptions = .init()) -> (Batch, String?) {
        let (batch, rejections) = decodeLines(line, schema: Self.schema, required: required, options: options)
        return (batch, rejections.first?.reason)
    }

    func value(_ line: String, _ field: String) -> Value? {
        let (batch, reason) = decodeOne(line)
        guard reason == nil, batch.count == 1 else { return nil }
        return batch.value(row: 0, column: field)
    }

    func reasonFor(_ line: String, required: Set<String> = [], options: DecoderOptions = .init()) -> String? {
        decodeOne(line, required: required, options: options).1
    }

    @Test func integersAcceptOnlyJSONIntegers() {
        #expect(value(#"{"a":7}"#, "a") == .int(7))
        #expect(value(#"{"a":-9223372036854775808}"#, "a") == .int(Int64.min))
        #expect(value(#"{"a":9223372036854775807}"#, "a") == .int(Int64.max))
        #expect(value(#"{"a":-0}"#, "a") == .int(0))
        #expect(reasonFor(#"{"a":1.5}"#) == "field 'a' is a decimal number, expected int")
        #expect(reasonFor(#"{"a":1e3}"#) == "field 'a' is a decimal number, expected int")
        #expect(reasonFor(#"{"a":"7"}"#) == "field 'a' is a string, expected int")
        #expect(reasonFor(#"{"a":true}"#) == "field 'a' is a boolean, expected int")
        #expect(reasonFor(#"{"a":[7]}"#) == "field 'a' is an array, expected int")
        #expect(reasonFor(#"{"a":{"v":7}}"#) == "field 'a' is an object, expected int")
        #expect(
            reasonFor(#"{"a":9223372036854775808}"#) == "field 'a' is out of range for int: 9223372036854775808")
        #expect(
            reasonFor(#"{"a":-9223372036854775809}"#) == "field 'a' is out of range for int: -9223372036854775809")
    }

    @Test func doublesAcceptIntegersAndDecimals() {
        #expect(value(#"{"d":12}"#, "d") == .double(12))
        #expect(value(#"{"d":-12.25}"#, "d") == .double(-12.25))
        #expect(value(#"{"d":1E-3}"#, "d") == .double(0.001))
        #expect(value(#"{"d":2.5e+2}"#, "d") == .double(250))
        #expect(value(#"{"d":1e-400}"#, "d") == .double(0))
        let negativeZero = value(#"{"d":-0.0}"#, "d")?.asDouble
        #expect(negativeZero == 0 && negativeZero?.sign == .minus)
        #expect(reasonFor(#"{"d":"12"}"#) == "field 'd' is a string, expected double")
        #expect(reasonFor(#"{"d":1e400}"#) == "field 'd' is out of range for double: 1e400")
        #expect(reasonFor(#"{"d":-1e400}"#) == "field 'd' is out of range for double: -1e400")
        #expect(reasonFor(#"{"d":NaN}"#) == "invalid JSON at byte 5: NaN is not a JSON number")
        #expect(reasonFor(#"{"d":Infinity}"#) == "invalid JSON at byte 5: Infinity is not a JSON number")
    }

    @Test func booleansAndNulls() {
        #expect(value(#"{"b":true}"#, "b") == .bool(true))
        #expect(value(#"{"b":false}"#, "b") == .bool(false))
        #expect(reasonFor(#"{"b":1}"#) == "field 'b' is a number, expected bool")
        #expect(reasonFor(#"{"b":"true"}"#) == "field 'b' is a string, expected bool")
        #expect(value(#"{"b":null,"a":1}"#, "b") == .null)
        #expect(value(#"{"a":1}"#, "s") == .null)
        #expect(reasonFor(#"{"a":null}"#, required: ["a"]) == "required field 'a' is null")
        #expect(reasonFor(#"{"s":"x"}"#, required: ["a"]) == "missing required field 'a'")
    }

    @Test func stringsAreUnescapedAndValidated() {
        #expect(value(#"{"s":"plain"}"#, "s") == .string("plain"))
        #expect(value(#"{"s":"q\"b\\s\/n\nt\tr\rf\fb\b"}"#, "s") == .string("q\"b\\s/n\nt\tr\rf\u{0C}b\u{08}"))
        #expect(value(#"{"s":"\u00e9\u4e2d\ud83d\ude00"}"#, "s") == .string("é中😀"))
        #expect(value(#"{"s":"é中😀"}"#, "s") == .string("é中😀"))
        #expect(value(#"{"s":""}"#, "s") == .string(""))
        #expect(value(#"{"s":[1, "x", {"y":null}]}"#, "s") == .string(#"[1, "x", {"y":null}]"#))
        #expect(value(#"{"s":{}}"#, "s") == .string("{}"))
        #expect(reasonFor(#"{"s":12}"#) == "field 's' is a number, expected string")
        #expect(reasonFor(#"{"s":false}"#) == "field 's' is a boolean, expected string")
        // Escaped keys still name their field.
        #expect(value(#"{"\u0073":"escaped key"}"#, "s") == .string("escaped key"))
    }

    @Test func otherFieldsAreSkippedButValidated() {
        #expect(value(#"{"x":{"y":[1,2,{"z":"w"}],"n":null},"a":3,"e":[]}"#, "a") == .int(3))
        #expect(value(#"{"x":1,"x":2,"a":3}"#, "a") == .int(3))  // duplicates among skipped keys are not checked
        #expect(reasonFor(#"{"x":[1,2,"a":3]}"#) == "invalid JSON at byte 13: expected ',' or ']'")
        #expect(reasonFor(#"{"x":"\q","a":3}"#) == "invalid JSON at byte 6: invalid escape sequence in string")
        let deep = "{\"x\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        #expect(reasonFor(deep) == "invalid JSON at byte 516: nesting deeper than 512 levels")
        let fine = "{\"x\":" + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + ",\"a\":1}"
        #expect(reasonFor(fine) == nil)
    }

    @Test func whitespaceIsAllowedAnywhereJSONAllowsIt() {
        let compact = #"{"a":1,"s":"x","d":2.5,"b":true,"t":1764000000000}"#
        let spaced = " {\t\"a\" : 1 ,\"s\":\"x\" , \"d\" :2.5,\r\"b\": true , \"t\" : 1764000000000 } \r"
        let (a, ra) = decodeLines(compact, schema: Self.schema)
        let (b, rb) = decodeLines(spaced, schema: Self.schema)
        #expect(ra.isEmpty && rb.isEmpty)
        #expect(rowTexts(a) == rowTexts(b))
    }

    @Test func duplicateExtractedFieldsAreRejected() {
        #expect(reasonFor(#"{"a":1,"a":1}"#) == "duplicate field 'a'")
        #expect(reasonFor(#"{"s":"x","a":1,"s":"y"}"#) == "duplicate field 's'")
    }

    @Test func syntaxErrorsSayWhereAndWhat() {
        let cases: [(String, String)] = [
            (#"{"a":1,}"#, "invalid JSON at byte 7: expected a field name in double quotes"),
            (#"{"a" 1}"#, "invalid JSON at byte 5: expected ':'"),
            (#"{"a":1 "b":2}"#, "invalid JSON at byte 7: expected ',' or '}'"),
            (#"{"a":[1 2]}"#, "invalid JSON at byte 8: expected ',' or ']'"),
            (#"{"a":tru}"#, "invalid JSON at byte 5: invalid literal, expected 'true'"),
            (#"{"b":nul}"#, "invalid JSON at byte 5: invalid literal, expected 'null'"),
            (#"{"a":01}"#, "invalid JSON at byte 6: invalid number, leading zeros are not allowed"),
            (#"{"a":-}"#, "invalid JSON at byte 6: invalid number, expected a digit"),
            (#"{"a":1.}"#, "invalid JSON at byte 7: invalid number, expected a digit"),
            (#"{"d":1e}"#, "invalid JSON at byte 7: invalid number, expected a digit"),
            (#"{"s":"\q"}"#, "invalid JSON at byte 6: invalid escape sequence in string"),
            (#"{"s":"\u12G4"}"#, #"invalid JSON at byte 6: invalid \u escape in string"#),
            (#"{"s":"\ud800"}"#, #"invalid JSON at byte 6: unpaired surrogate in \u escape"#),
            (#"{"s":"\udc00\ud800"}"#, #"invalid JSON at byte 6: unpaired surrogate in \u escape"#),
            ("{\"s\":\"tab\there\"}", "invalid JSON at byte 9: unescaped control character 0x09 in string"),
            (#"{"s":"open"#, "invalid JSON at byte 5: unterminated string"),
            (#"{"a":"#, "invalid JSON at byte 5: unexpected end of record"),
            (#"{"a":x}"#, "invalid JSON at byte 5: unexpected character 'x'"),
            ("{", "invalid JSON at byte 1: unexpected end of record"),
            ("}", "invalid JSON at byte 0: unexpected character '}'"),
            (#"{"a":1}}"#, "invalid JSON at byte 7: unexpected character '}' after the JSON value"),
            ("[1,", "invalid JSON at byte 3: unexpected end of record"),
            ("\u{1}", "invalid JSON at byte 0: unexpected byte 0x01"),
            ("123", "record is a JSON number, expected an object"),
            ("true", "record is a JSON boolean, expected an object"),
            ("null", "record is JSON null, expected an object"),
            (#""text""#, "record is a JSON string, expected an object"),
            ("[]", "record is a JSON array, expected an object"),
        ]
        for (line, expected) in cases {
            #expect(reasonFor(line) == expected, "\(line)")
        }
    }

    @Test func invalidUTF8IsFoundAnywhereInTheRecord() {
        func reasonFor(_ bytes: [UInt8]) -> String? {
            var decoder = JSONBatchDecoder(schema: Self.schema, required: [])
            return decodeLines(bytes, with: &decoder).1.first?.reason
        }
        let prefix = Array(#"{"s":""#.utf8)
        #expect(reasonFor(prefix + [0xFF] + Array(#""}"#.utf8)) == "invalid UTF-8 at byte 6")
        #expect(reasonFor(prefix + [0xC0, 0x80] + Array(#""}"#.utf8)) == "invalid UTF-8 at byte 6")  // overlong
        #expect(reasonFor(prefix + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8)) == "invalid UTF-8 at byte 6")  // surrogate
        #expect(reasonFor(prefix + [0xF4, 0x90, 0x80, 0x80] + Array(#""}"#.utf8)) == "invalid UTF-8 at byte 6")
        #expect(reasonFor(prefix + [0xE2, 0x82] + Array(#""}"#.utf8)) == "invalid UTF-8 at byte 6")  // cut short
        #expect(reasonFor(Array(#"{"zz":""#.utf8) + [0x80] + Array(#""}"#.utf8)) == "invalid UTF-8 at byte 7")
        // Outside strings invalid UTF-8 wins over the syntax error it also is.
        #expect(reasonFor(Array(#"{"a":1}"#.utf8) + [0xC3]) == "invalid UTF-8 at byte 7")
        #expect(reasonFor(prefix + [0xF0, 0x9F, 0x98, 0x80] + Array(#""}"#.utf8)) == nil)
    }

    @Test func eventTypesAreCheckedWhenAllowedTypesIsSet() {
        let options = DecoderOptions(allowedTypes: ["metric", "agent.created"])
        let schema = Schema([Field("type", .string), Field("a", .int64)])
        let (ok, r1) = decodeLines(#"{"type":"metric","a":1}"#, schema: schema, options: options)
        #expect(ok.count == 1 && r1.isEmpty)
        let (_, r2) = decodeLines(#"{"type":"metrics","a":1}"#, schema: schema, options: options)
        #expect(r2.map(\.reason) == ["unknown event type 'metrics'"])
        // Without a type field the record passes; a null type too.
        let (_, r3) = decodeLines(#"{"a":1}"#, schema: schema, options: options)
        #expect(r3.isEmpty)
        // A schema without `type` still checks it.
        let (narrow, r4) = decodeLines(
            "{\"type\":\"nope\",\"a\":1}\n{\"type\":\"metric\",\"a\":2}", schema: Schema([Field("a", .int64)]),
            options: options)
        #expect(r4.map(\.reason) == ["unknown event type 'nope'"])
        #expect(narrow.count == 1 && narrow.value(row: 0, column: "a") == .int(2))
    }

    @Test func requiredFieldsOutsideTheSchemaAreCheckedForPresence() {
        let (batch, rejections) = decodeLines(
            "{\"id\":\"x\",\"a\":1}\n{\"a\":2}\n{\"id\":null,\"a\":3}", schema: Schema([Field("a", .int64)]),
            required: ["id"])
        #expect(batch.count == 1)
        #expect(rejections.map(\.reason) == ["missing required field 'id'", "required field 'id' is null"])
    }

    @Test func nonNullableSchemaFieldsAreRequired() {
        let (batch, rejections) = decodeLines(
            #"{"agent_id":"a","metric":"m","value":1}"#, schema: DAA.metricSampleSchema, required: [])
        #expect(batch.count == 0)
        #expect(rejections.map(\.reason) == ["missing required field 'ts'"])
    }

    @Test func oversizedRecordsAreRejectedWithTheirSize() {
        let options = DecoderOptions(maxRecordBytes: 20)
        let line = #"{"s":"0123456789abcdef"}"#
        let (_, rejections) = decodeLines(line + "\r\n" + #"{"a":1}"#, schema: Self.schema, options: options)
        #expect(rejections.map(\.reason) == ["record of 24 bytes exceeds the limit of 20"])
        #expect(rejections.first?.raw == Array(line.utf8.prefix(20)))
    }
}
