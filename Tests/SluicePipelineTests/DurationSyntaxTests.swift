import Testing

@testable import SluicePipeline

@Suite struct DurationSyntaxTests {
    @Test(arguments: [
        ("500ms", Int64(500)), ("10s", 10_000), ("1m", 60_000), ("2h", 7_200_000), ("1d", 86_400_000),
        ("1m30s", 90_000), ("1h0m5s", 3_605_000), ("0", 0), ("0s", 0), ("1s250ms", 1_250),
    ])
    func parses(_ text: String, _ millis: Int64) {
        #expect(DurationSyntax.parseMillis(text) == millis)
    }

    @Test(arguments: ["", "10", "10 s", "s", "1.5s", "10sec", "30s1m", "1m1m", "-5s", "1y", "9999999999999s"])
    func rejects(_ text: String) {
        #expect(DurationSyntax.parseMillis(text) == nil)
    }

    @Test func negativeOnlyWhereAllowed() {
        #expect(DurationSyntax.parseMillis("-5s", allowNegative: true) == -5_000)
        #expect(DurationSyntax.parseMillis("--5s", allowNegative: true) == nil)
    }

    @Test func formatsRoundTrip() {
        for millis: Int64 in [0, 1, 999, 1_000, 90_000, 3_605_000, 86_400_001, -60_000] {
            let text = DurationSyntax.format(millis: millis)
            #expect(DurationSyntax.parseMillis(text, allowNegative: true) == millis, "\(text)")
        }
        #expect(DurationSyntax.format(millis: 90_000) == "1m30s")
    }
}
