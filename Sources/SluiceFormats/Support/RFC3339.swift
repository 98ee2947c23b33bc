/// RFC 3339 timestamps <-> epoch milliseconds (UTC), without Foundation.
///
/// Parsing accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with `t` or a space for
/// `T` and `z` for `Z` (RFC 3339 §5.6 notes); fractions of any length are truncated to
/// milliseconds; a leap second `:60` counts as the first second of the next minute.
enum RFC3339 {
    static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n >= 20 else { return nil }
        @inline(__always)
        func digits(_ at: Int, _ count: Int) -> Int? {
            var value = 0
            for i in at..<(at + count) {
                let d = Int(p[i]) &- 48
                guard d >= 0, d <= 9 else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard let year = digits(0, 4), p[4] == UInt8(ascii: "-"),
            let month = digits(5, 2), p[7] == UInt8(ascii: "-"),
            let day = digits(8, 2),
            p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: "t") || p[10] == UInt8(ascii: " "),
            let hour = digits(11, 2), p[13] == UInt8(ascii: ":"),
            let minute = digits(14, 2), p[16] == UInt8(ascii: ":"),
            let second = digits(17, 2)
        else { return nil }
        var i = 19
        var millis = 0
        if p[i] == UInt8(ascii: ".") {
            i += 1
            var fractionDigits = 0
            while i < n, p[i] >= 48, p[i] <= 57 {
                if fractionDigits < 3 { millis = millis * 10 + Int(p[i] - 48) }
                fractionDigits += 1
                i += 1
            }
            guard fractionDigits > 0 else { return nil }
            for _ in min(fractionDigits, 3)..<3 { millis *= 10 }
        }
        guard i < n else { return nil }
        var offsetMinutes = 0
        switch p[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard n - i >= 6, let oh = digits(i + 1, 2), p[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                oh <= 23, om <= 59
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (p[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == n, (1...12).contains(month), day >= 1, day <= daysInMonth(year, month), hour <= 23, minute <= 59,
            second <= 60
        else { return nil }
        let days = daysFromCivil(Int64(year), Int64(month), Int64(day))
        let seconds = ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60 + Int64(second)
        return seconds * 1000 + Int64(millis) - Int64(offsetMinutes) * 60_000
    }

    /// Parses a Swift string (tests and configuration).
    static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { buffer in buffer.baseAddress.flatMap { parse($0, buffer.count) } }
    }

    /// `2026-11-24T10:00:00.123Z`; the fraction is left out when it is zero.
    static func format(millis: Int64) -> String {
        var days = millis / 86_400_000
        var rest = millis % 86_400_000
        if rest < 0 {
            rest += 86_400_000
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        let ms = rest % 1000
        let seconds = rest / 1000
        var out = date(year, month, day) + "T" + pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":"
            + pad(seconds % 60, 2)
        if ms != 0 { out += "." + pad(ms, 3) }
        return out + "Z"
    }

    /// A range bound: just the date when it falls on midnight UTC, else the full form.
    static func formatBound(_ millis: Int64) -> String {
        guard millis % 86_400_000 == 0 else { return format(millis: millis) }
        let (year, month, day) = civilFromDays(millis / 86_400_000)
        return date(year, month, day)
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day number (inverse of `daysFromCivil`).
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func date(_ year: Int64, _ month: Int64, _ day: Int64) -> String {
        (year < 0 ? "-" + pad(-year, 4) : pad(year, 4)) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
