import SluiceCore
import SluiceFormats
import Testing

/// Dead letters are one JSON object per line and never lose the raw bytes.
@Suite struct DeadLetterEncoderTests {
    @Test func utf8RecordsAreKeptAsAString() {
        let rejection = Rejection(
            reason: "field 'value' is a string, expected double", raw: Array(#"{"value":"12"}"#.utf8),
            position: SourcePosition(source: "events", split: 1, offset: 4096), line: 12)
        let line = String(decoding: DeadLetterEncoder.encode(rejection, pipeline: "agent-metrics", source: "events"), as: UTF8.self)
        #expect(
            line
                == #"{"pipeline":"agent-metrics","source":"events","line":12,"position":{"split":1,"offset":4096},"reason":"field 'value' is a string, expected double","raw":"{\"value\":\"12\"}"}"#
                + "\n")
    }

    @Test func invalidUTF8IsBase64() {
        let raw: [UInt8] = [0x7B, 0x22, 0xFF, 0xFE, 0x00, 0x22]
        let rejection = Rejection(reason: "invalid UTF-8 at byte 2", raw: raw)
        let line = String(decoding: DeadLetterEncoder.encode(rejection, pipeline: "p", source: "s"), as: UTF8.self)
        #expect(
            line
                == #"{"pipeline":"p","source":"s","line":null,"position":null,"reason":"invalid UTF-8 at byte 2","raw_base64":"eyL//gAi"}"#
                + "\n")
    }

    @Test func controlCharactersAndQuotesAreEscaped() {
        let rejection = Rejection(reason: "tab\there \"quoted\" \\ é", raw: [0x01, 0x0A, 0x0D, 0x7F])
        let line = String(decoding: DeadLetterEncoder.encode(rejection, pipeline: "p\n", source: "s"), as: UTF8.self)
        #expect(
            line
                == #"{"pipeline":"p\n","source":"s","line":null,"position":null,"reason":"tab\there \"quoted\" \\ é","raw":"\u0001\n\r"#
                + "\u{7F}\"}\n")
    }

    @Test func deadLettersDecodeAsJSON() {
        // The decoder itself can read dead letters back (round trip of the text).
        let rejection = Rejection(reason: "r", raw: Array("a \"b\" \u{1}".utf8), position: nil, line: 3)
        let bytes = DeadLetterEncoder.encode(rejection, pipeline: "p", source: "s")
        var decoder = JSONBatchDecoder(
            schema: Schema([Field("raw", .string), Field("line", .int64), Field("reason", .string)]), required: ["raw"])
        let (batch, rejections) = decodeLines(bytes, with: &decoder)
        #expect(rejections.isEmpty)
        #expect(batch.value(row: 0, column: "raw") == .string("a \"b\" \u{1}"))
        #expect(batch.value(row: 0, column: "line") == .int(3))
    }
}
