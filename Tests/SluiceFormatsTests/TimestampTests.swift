import SluiceCore
import Testing

@testable import SluiceFormats

/// RFC 3339 timestamps, epoch-millisecond integers, and the accepted time range.
@Suite struct TimestampTests {
    static let schema = Schema([Field("ts", .timestamp), Field("at", .timestamp)])

    func decodeTS(_ json: String, options: DecoderOptions = .init()) -> (Value?, String?) {
        let (batch, rejections) = decodeLines(json, schema: Self.schema, options: options)
        return (batch.count == 1 ? batch.value(row: 0, column: "ts") : nil, rejections.first?.reason)
    }

    @Test func rfc3339FormsParseToEpochMilliseconds() {
        let cases: [(String, Int64)] = [
            ("2026-11-24T10:00:00.123Z", 1_795_514_400_123),
            ("2026-11-24T10:00:00Z", 1_795_514_400_000),
            ("2026-11-24t10:00:00z", 1_795_514_400_000),
            ("2026-11-24 10:00:00Z", 1_795_514_400_000),
            ("2026-11-24T12:00:00+02:00", 1_795_514_400_000),
            ("2026-11-24T05:30:00-04:30", 1_795_514_400_000),
            ("2026-11-24T10:00:00.1Z", 1_795_514_400_100),
            ("2026-11-24T10:00:00.12Z", 1_795_514_400_120),
            ("2026-11-24T10:00:00.123456789Z", 1_795_514_400_123),
            ("2000-01-01T00:00:00Z", 946_684_800_000),
            ("2024-02-29T23:59:59.999Z", 1_709_251_199_999),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59.999Z", -1),
            ("2016-12-31T23:59:60Z", 1_483_228_800_000),
        ]
        for (text, millis) in cases {
            #expect(RFC3339.parse(text) == millis, "\(text)")
        }
    }

    @Test func malformedTimestampsAreRejected() {
        let bad = [
            "yesterday", "", "2026-11-24", "2026-11-24T10:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
            "2026-11-31T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T10:60:00Z", "2026-11-24T10:00:61Z",
            "2026-11-24T10:00:00.Z", "2026-11-24T10:00:00+0200", "2026-11-24T10:00:00+24:00", "2026-11-24T10:00:00Zx",
            "2026/11/24T10:00:00Z", "+2026-11-24T10:00:00Z", "2026-11-24T10:00:00 Z",
        ]
        for text in bad {
            #expect(RFC3339.parse(text) == nil, "\(text)")
        }
    }

    @Test func formattingIsTheInverseOfParsing() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let millis = Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &rng)  // years 1...9999
            let text = RFC3339.format(millis: millis)
            #expect(RFC3339.parse(text) == millis, "\(millis) → \(text)")
        }
        #expect(RFC3339.format(millis: 0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(millis: 1_795_514_400_123) == "2026-11-24T10:00:00.123Z")
        #expect(RFC3339.format(millis: -1) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.format(millis: Int64.min).hasSuffix("Z"))
        #expect(RFC3339.format(millis: Int64.max).hasSuffix("Z"))
    }

    @Test func timestampFieldsAcceptIntegersAndStrings() {
        #expect(decodeTS(#"{"ts":1795514400123}"#).0 == .timestamp(1_795_514_400_123))
        #expect(decodeTS(#"{"ts":"2026-11-24T10:00:00.123Z"}"#).0 == .timestamp(1_795_514_400_123))
        #expect(decodeTS(#"{"ts":"2026-11-24T10:00:00.123\u005A"}"#).0 == .timestamp(1_795_514_400_123))
        #expect(decodeTS(#"{"ts":"yesterday"}"#).1 == "field 'ts' is not a valid timestamp: 'yesterday'")
        #expect(decodeTS(#"{"ts":1795514400123.5}"#).1 == "field 'ts' is a decimal number, expected timestamp")
        #expect(decodeTS(#"{"ts":true}"#).1 == "field 'ts' is a boolean, expected timestamp")
        #expect(
            decodeTS(#"{"ts":99999999999999999999}"#).1
                == "field 'ts' is out of range for timestamp: 99999999999999999999")
        let long = String(repeating: "x", count: 100)
        #expect(
            decodeTS("{\"ts\":\"\(long)\"}").1
                == "field 'ts' is not a valid timestamp: '\(String(repeating: "x", count: 64))…'")
    }

    @Test func theTimeFieldMustLieInTheAcceptedRange() {
        #expect(
            decodeTS(#"{"ts":0}"#).1
                == "timestamp 0 (1970-01-01T00:00:00Z) is outside the accepted range 2000-01-01..2100-01-01")
        #expect(
            decodeTS(#"{"ts":"2150-06-01T12:00:00.5Z"}"#).1
                == "timestamp 5693371200500 (2150-06-01T12:00:00.500Z) is outside the accepted range 2000-01-01..2100-01-01"
        )
        #expect(decodeTS(#"{"ts":946684800000}"#).1 == nil)
        #expect(decodeTS(#"{"ts":4102444800000}"#).1 == nil)
        #expect(decodeTS(#"{"ts":4102444800001}"#).1 != nil)
        // Only the configured time field is checked.
        #expect(decodeTS(#"{"ts":1795514400123,"at":0}"#).1 == nil)
        #expect(decodeTS(#"{"ts":0}"#, options: DecoderOptions(timeField: nil)).1 == nil)
        let custom = DecoderOptions(validTimeRange: 0...1000, timeField: "at")
        #expect(
            decodeTS(#"{"ts":0,"at":1001}"#, options: custom).1
                == "timestamp 1001 (1970-01-01T00:00:01.001Z) is outside the accepted range 1970-01-01..1970-01-01T00:00:01Z"
        )
    }
}
