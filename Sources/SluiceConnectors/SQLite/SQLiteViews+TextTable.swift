public import SluiceCore
import Foundation

extension SQLiteViews {
    /// Formats rows as an aligned plain-text table for a terminal, ending with a row count.
    ///
    /// ```
    /// agent_id | samples |     mean
    /// ---------+---------+---------
    /// a-1      |       3 | 1.333333
    /// (1 row)
    /// ```
    /// Columns holding only numbers (and NULLs) are right-aligned. NULL shows as `NULL`,
    /// doubles with at most 6 decimals (trailing zeros dropped; exponent form below 1e-4 or
    /// from 1e15), timestamps as ISO 8601 UTC with milliseconds, and control characters in
    /// strings as escapes so every row stays on one line. A row shorter than `columns`
    /// leaves its missing cells blank.
    public static func renderTable(columns: [String], rows: [[Value]]) -> String {
        let cells = rows.map { row in columns.indices.map { $0 < row.count ? TextTableCell.text(row[$0]) : "" } }
        var widths = columns.map(\.count)
        for row in cells {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        let rightAligned = columns.indices.map { index in
            let values = rows.compactMap { index < $0.count ? $0[index] : nil }
            return values.contains(where: TextTableCell.isNumber)
                && values.allSatisfy { TextTableCell.isNumber($0) || $0.isNull }
        }
        func line(_ texts: [String]) -> String {
            var text = texts.indices.map { index in
                let padding = String(repeating: " ", count: widths[index] - texts[index].count)
                return rightAligned[index] ? padding + texts[index] : texts[index] + padding
            }.joined(separator: " | ")
            while text.last == " " { text.removeLast() }
            return text
        }
        var lines: [String] = []
        if !columns.isEmpty {
            lines.append(line(columns))
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-"))
            lines.append(contentsOf: cells.map(line))
        }
        lines.append(rows.count == 1 ? "(1 row)" : "(\(rows.count) rows)")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// How one value reads in a text table.
enum TextTableCell {
    static func isNumber(_ value: Value) -> Bool {
        switch value {
        case .int, .double: true
        default: false
        }
    }

    static func text(_ value: Value) -> String {
        switch value {
        case .null: "NULL"
        case .int(let integer): String(integer)
        case .double(let double): text(double)
        case .bool(let bool): bool ? "true" : "false"
        case .string(let string): escaped(string)
        case .timestamp(let millis): iso8601(millis)
        }
    }

    /// At most 6 decimals without trailing zeros; an exponent where fixed point would
    /// hide the digits (tiny values) or run long (huge ones).
    static func text(_ double: Double) -> String {
        if double.isNaN { return "NaN" }
        if double.isInfinite { return double < 0 ? "-inf" : "inf" }
        if double == 0 { return "0" }
        let magnitude = abs(double)
        if magnitude < 1e-4 || magnitude >= 1e15 { return String(format: "%.6g", double) }
        var fixed = String(format: "%.6f", double)
        while fixed.hasSuffix("0") { fixed.removeLast() }
        if fixed.hasSuffix(".") { fixed.removeLast() }
        return fixed == "-0" ? "0" : fixed
    }

    /// `millis` since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (proleptic Gregorian, UTC).
    static func iso8601(_ millis: Int64) -> String {
        let millisPerDay: Int64 = 86_400_000
        var (days, ofDay) = millis.quotientAndRemainder(dividingBy: millisPerDay)
        if ofDay < 0 {
            days -= 1
            ofDay += millisPerDay
        }
        // Howard Hinnant's civil_from_days: days since 1970-01-01 → year, month, day.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))T"
            + "\(padded(ofDay / 3_600_000, 2)):\(padded(ofDay / 60_000 % 60, 2)):\(padded(ofDay / 1_000 % 60, 2))"
            + ".\(padded(ofDay % 1_000, 3))Z"
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let zeros = String(repeating: "0", count: max(0, width - digits.count))
        return (value < 0 ? "-" : "") + zeros + digits
    }

    private static func escaped(_ string: String) -> String {
        guard string.contains(where: { $0.isNewline || $0 == "\t" }) else { return string }
        var out = ""
        for character in string {
            switch character {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\r\n": out += "\\r\\n"
            case "\t": out += "\\t"
            default: out.append(character)
            }
        }
        return out
    }
}
