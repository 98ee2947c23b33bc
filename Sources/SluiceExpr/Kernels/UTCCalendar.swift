/// UTC calendar arithmetic on epoch milliseconds (proleptic Gregorian), for
/// `date_trunc` and timestamp ↔ string casts. No Foundation: these run per dictionary
/// entry or per row and must be cheap and deterministic.
enum UTCCalendar {
    static let millisPerDay: Int64 = 86_400_000

    /// ⌊a / b⌋ for b > 0.
    @inline(__always)
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b < 0) ? q - 1 : q
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number (Hinnant's `civil_from_days`).
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    enum Unit: String, Sendable, CaseIterable {
        case second, minute, hour, day, week, month, year
    }

    /// The start of the unit containing `millis`; nil when it falls outside Int64.
    static func truncate(_ millis: Int64, to unit: Unit) -> Int64? {
        switch unit {
        case .second: return floor(millis, step: 1_000)
        case .minute: return floor(millis, step: 60_000)
        case .hour: return floor(millis, step: 3_600_000)
        case .day: return floor(millis, step: millisPerDay)
        case .week:  // ISO weeks start on Monday; 1970-01-01 was a Thursday.
            let day = floorDivide(millis, millisPerDay)
            return startOfDay(day - (((day + 3) % 7) + 7) % 7)
        case .month:
            let date = civil(days: floorDivide(millis, millisPerDay))
            return startOfDay(days(year: date.year, month: date.month, day: 1))
        case .year:
            let date = civil(days: floorDivide(millis, millisPerDay))
            return startOfDay(days(year: date.year, month: 1, day: 1))
        }
    }

    /// The largest multiple of `step` (> 0) not above `millis`; nil below Int64's range.
    @inline(__always)
    static func floor(_ millis: Int64, step: Int64) -> Int64? {
        let r = millis % step
        let (start, overflow) = millis.subtractingReportingOverflow(r < 0 ? r + step : r)
        return overflow ? nil : start
    }

    private static func startOfDay(_ day: Int64) -> Int64? {
        let (millis, overflow) = day.multipliedReportingOverflow(by: millisPerDay)
        return overflow ? nil : millis
    }

    /// ISO 8601 in UTC with milliseconds: `2024-03-01T12:00:05.250Z`.
    static func format(_ millis: Int64) -> String {
        let day = floorDivide(millis, millisPerDay)
        let msOfDay = millis &- day &* millisPerDay
        let date = civil(days: day)
        let year = date.year < 0 ? "-" + pad(-date.year, 4) : pad(date.year, 4)
        return year + "-" + pad(date.month, 2) + "-" + pad(date.day, 2) + "T" + pad(msOfDay / 3_600_000, 2) + ":"
            + pad(msOfDay / 60_000 % 60, 2) + ":" + pad(msOfDay / 1_000 % 60, 2) + "." + pad(msOfDay % 1_000, 3) + "Z"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Parses `YYYY-MM-DD`, optionally followed by `T` or a space, `HH:MM[:SS[.fff]]` and a
    /// zone (`Z`, `±HH`, `±HH:MM`, `±HHMM`; none means UTC). Fractions beyond milliseconds
    /// are truncated. Nil for anything else, including impossible dates like 02-30.
    static func parse(_ text: String) -> Int64? {
        var scanner = DigitScanner(Array(text.utf8))
        scanner.skipSpaces()
        guard let year = scanner.number(digits: 4), scanner.take(0x2d),
            let month = scanner.number(digits: 2), scanner.take(0x2d),
            let day = scanner.number(digits: 2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        var millis = days(year: year, month: month, day: day) * millisPerDay
        if scanner.take(0x54) || scanner.take(0x74) || (scanner.peek == 0x20 && scanner.peekDigit(at: 1)) {
            if scanner.peek == 0x20 { scanner.advance() }
            guard let hour = scanner.number(digits: 2), scanner.take(0x3a), let minute = scanner.number(digits: 2),
                hour < 24, minute < 60
            else { return nil }
            var second: Int64 = 0
            var fraction: Int64 = 0
            if scanner.take(0x3a) {
                guard let s = scanner.number(digits: 2), s < 60 else { return nil }
                second = s
                if scanner.take(0x2e) || scanner.take(0x2c) {
                    guard let (value, digits) = scanner.fraction() else { return nil }
                    fraction = value
                    for _ in digits..<3 { fraction *= 10 }
                }
            }
            millis += ((hour * 60 + minute) * 60 + second) * 1_000 + fraction
            if scanner.take(0x5a) || scanner.take(0x7a) {
                // UTC
            } else if let sign = scanner.peek, sign == 0x2b || sign == 0x2d {
                scanner.advance()
                guard let offsetHours = scanner.number(digits: 2), offsetHours < 24 else { return nil }
                _ = scanner.take(0x3a)
                let offsetMinutes = scanner.number(digits: 2) ?? 0
                guard offsetMinutes < 60 else { return nil }
                let offset = (offsetHours * 60 + offsetMinutes) * 60_000
                millis += sign == 0x2b ? -offset : offset
            }
        }
        scanner.skipSpaces()
        return scanner.atEnd ? millis : nil
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A cursor over ASCII bytes for the timestamp parser.
private struct DigitScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }
    var atEnd: Bool { position == bytes.count }

    func peekDigit(at ahead: Int) -> Bool {
        position + ahead < bytes.count && (0x30...0x39).contains(bytes[position + ahead])
    }

    mutating func advance() { position += 1 }

    mutating func skipSpaces() { while peek == 0x20 { position += 1 } }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    /// Exactly `digits` decimal digits.
    mutating func number(digits: Int) -> Int64? {
        guard position + digits <= bytes.count else { return nil }
        var value: Int64 = 0
        for i in position..<position + digits {
            let b = bytes[i]
            guard b >= 0x30 && b <= 0x39 else { return nil }
            value = value * 10 + Int64(b - 0x30)
        }
        position += digits
        return value
    }

    /// One or more digits after a decimal point: the first three as milliseconds.
    mutating func fraction() -> (value: Int64, digits: Int)? {
        var value: Int64 = 0
        var digits = 0
        while let b = peek, b >= 0x30 && b <= 0x39 {
            if digits < 3 { value = value * 10 + Int64(b - 0x30) }
            digits += 1
            position += 1
        }
        return digits == 0 ? nil : (value, min(digits, 3))
    }
}
