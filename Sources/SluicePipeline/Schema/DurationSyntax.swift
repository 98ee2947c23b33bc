/// Durations as written in pipeline files: a number and a unit, repeated —
/// `500ms`, `10s`, `1m`, `2h`, `1d`, `1m30s`. Units must go from larger to smaller and
/// appear once each, so `30s1m` and `1m1m` are rejected as likely mistakes.
enum DurationSyntax {
    private static let units: [(suffix: String, millis: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// What the error messages show as the expected shape.
    static let expected = "a number and a unit (ms, s, m, h, d), e.g. 500ms, 10s, 1m30s"

    /// Milliseconds for `text`, or nil when it is not a duration. `0` alone is allowed.
    static func parseMillis(_ text: String, allowNegative: Bool = false) -> Int64? {
        var scalars = Substring(text)
        var sign: Int64 = 1
        if allowNegative, scalars.first == "-" {
            sign = -1
            scalars = scalars.dropFirst()
        }
        if scalars == "0" { return 0 }
        var total: Int64 = 0
        var lastRank = -1
        var rest = scalars
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 12, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(letters.count)
            guard let rank = units.firstIndex(where: { $0.suffix == letters }), rank > lastRank else { return nil }
            lastRank = rank
            let (product, overflow) = number.multipliedReportingOverflow(by: units[rank].millis)
            guard !overflow else { return nil }
            total += product
        }
        return sign * total
    }

    /// The shortest spelling of `millis` in the same syntax (`90000` → `1m30s`).
    static func format(millis: Int64) -> String {
        if millis == 0 { return "0s" }
        var rest = millis.magnitude
        var text = millis < 0 ? "-" : ""
        for unit in units {
            let size = UInt64(unit.millis)
            if rest >= size {
                text += "\(rest / size)\(unit.suffix)"
                rest %= size
            }
        }
        return text
    }
}

extension Duration {
    /// Whole milliseconds (durations in pipeline files have millisecond resolution).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// Durations as pipeline files write them, for tools that take the same syntax.
public enum PipelineDurations {
    /// Milliseconds for `500ms`, `10s`, `1m30s`, `2h`, `1d`; nil when `text` is not one.
    public static func milliseconds(_ text: String) -> Int64? { DurationSyntax.parseMillis(text) }

    /// The shortest spelling of `duration` (`1m30s`).
    public static func format(_ duration: Duration) -> String { DurationSyntax.format(millis: duration.wholeMilliseconds) }
}
