/// The per-value semantics of the string functions. Lengths and positions count
/// `Character`s (grapheme clusters), so `length('é')` is 1 however it is encoded.
enum Strings {
    /// Removes leading and trailing whitespace (spaces, tabs, newlines, other Unicode
    /// white space).
    static func trim(_ s: String) -> String {
        guard let first = s.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = s.lastIndex(where: { !$0.isWhitespace })!
        return String(s[first...last])
    }

    /// Characters from the 1-based position `start`, `length` of them (to the end when nil).
    /// As in SQL, positions before 1 count against `length`; a negative length is null.
    static func substring(_ s: String, start: Int64, length: Int64?) -> String? {
        if let length, length < 0 { return nil }
        let lower = max(start, 1)
        let (end, overflow) = length.map { start.addingReportingOverflow($0) } ?? (Int64.max, false)
        let upper = overflow ? Int64.max : end  // exclusive, 1-based
        guard upper > lower else { return "" }
        guard let from = s.index(s.startIndex, offsetBy: Int(clamping: lower - 1), limitedBy: s.endIndex) else {
            return ""
        }
        let to = s.index(from, offsetBy: Int(clamping: upper - lower), limitedBy: s.endIndex) ?? s.endIndex
        return String(s[from..<to])
    }

    /// Every occurrence of `target` replaced; an empty `target` changes nothing.
    static func replace(_ s: String, _ target: String, _ replacement: String) -> String {
        target.isEmpty ? s : s.replacing(target, with: replacement)
    }

    static func contains(_ s: String, _ part: String) -> Bool {
        part.isEmpty || s.contains(part)
    }
}
