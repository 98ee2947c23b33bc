/// A cron schedule in UTC: `minute hour day-of-month month day-of-week`, each field `*`,
/// a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those (day of
/// week 0–7, Sunday 0 or 7). As in cron, when both day fields are restricted a day
/// matching either counts. `@daily`, `@hourly` and `@weekly` are accepted too.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    private let minutes: Set<Int>
    private let hours: Set<Int>
    private let days: Set<Int>
    private let months: Set<Int>
    private let weekdays: Set<Int>
    private let daysRestricted: Bool
    private let weekdaysRestricted: Bool

    /// Why a schedule does not parse.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(_ text: String) throws(ParseError) {
        self.text = text
        let aliases = ["@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *", "@weekly": "0 0 * * 0"]
        let fields = (aliases[text] ?? text).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "expected 5 fields (minute hour day-of-month month day-of-week), e.g. \"15 0 * * *\"; found \(fields.count)")
        }
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        days = try Self.field(fields[2], "day of month", 1...31)
        months = try Self.field(fields[3], "month", 1...12)
        weekdays = Set(try Self.field(fields[4], "day of week", 0...7).map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
    }

    public var description: String { text }

    private static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws(ParseError) -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw ParseError(description: "\(name) '\(part)': one step at most") }
            var step = 1
            if pieces.count == 2 {
                guard let n = Int(pieces[1]), n > 0 else { throw ParseError(description: "\(name) '\(part)': the step must be a positive number") }
                step = n
            }
            let span: ClosedRange<Int>
            if pieces[0] == "*" {
                span = range
            } else if let dash = pieces[0].firstIndex(of: "-") {
                guard let low = Int(pieces[0][..<dash]), let high = Int(pieces[0][pieces[0].index(after: dash)...]), low <= high else {
                    throw ParseError(description: "\(name) '\(part)': expected a range like 1-5")
                }
                span = low...high
            } else {
                guard let value = Int(pieces[0]) else { throw ParseError(description: "\(name) '\(part)': expected a number, a range, * or */n") }
                span = value...(pieces.count == 2 ? range.upperBound : value)
            }
            guard range.contains(span.lowerBound), range.contains(span.upperBound) else {
                throw ParseError(description: "\(name) '\(part)' is outside \(range.lowerBound)-\(range.upperBound)")
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }

    /// The first time strictly after `millis` (epoch ms) that the schedule fires, at a
    /// whole minute; nil if none within ~5 years (e.g. February 30).
    public func next(after millis: Int64) -> Int64? {
        var minute = millis.floorDiv(60_000) + 1
        let limit = minute + 5 * 366 * 24 * 60
        while minute < limit {
            let day = minute.floorDiv(1440)
            let (_, month, dayOfMonth) = Self.civil(fromDays: day)
            let weekday = Int((day + 4).floorMod(7))  // 1970-01-01 was a Thursday
            let dayMatches: Bool
            switch (daysRestricted, weekdaysRestricted) {
            case (true, true): dayMatches = days.contains(dayOfMonth) || weekdays.contains(weekday)
            case (true, false): dayMatches = days.contains(dayOfMonth)
            case (false, true): dayMatches = weekdays.contains(weekday)
            case (false, false): dayMatches = true
            }
            guard months.contains(month), dayMatches else {
                minute = (day + 1) * 1440
                continue
            }
            let minuteOfDay = Int(minute - day * 1440)
            if hours.contains(minuteOfDay / 60) && minutes.contains(minuteOfDay % 60) { return minute * 60_000 }
            minute += 1
        }
        return nil
    }

    /// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = z.floorDiv(146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 { (self >= 0 ? self : self - d + 1) / d }
    fileprivate func floorMod(_ d: Int64) -> Int64 { self - floorDiv(d) * d }
}
