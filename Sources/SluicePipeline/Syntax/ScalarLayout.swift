/// Recovers the file position of every character of a YAML scalar's value.
///
/// libyaml reports only where a scalar starts. Its value differs from the file text by
/// quoting, escapes, line folding and block indentation, so this walks the file from the
/// start mark and aligns the value's characters with the file's: a character matches
/// itself, an escape sequence or a doubled quote matches the character it denotes, and
/// whitespace and line breaks the value folded away are skipped. Every non-blank
/// character thus gets its exact position. If the alignment ever fails (an exotic
/// construct), every character is attributed to the scalar's start, which is still right
/// to the line.
enum ScalarLayout {
    static func spannedValue(
        _ value: String, style: ScalarStyle, startingAt start: FileLocation, in source: SourceText
    ) -> SpannedText {
        if let aligned = align(value, style: style, start: start, source: source) { return aligned }
        return SpannedText(value, at: start)
    }

    private static func align(_ value: String, style: ScalarStyle, start: FileLocation, source: SourceText)
        -> SpannedText?
    {
        guard var i = source.index(of: start) else { return nil }
        let src = source.scalars
        i = skipProperties(src, from: i)
        switch style {
        case .singleQuoted, .doubleQuoted:
            guard i < src.count, src[i] == (style == .singleQuoted ? "'" : "\"") else { return nil }
            i += 1
        case .literal, .folded:
            // Skip the header (`|-`, `>2`, a comment) to the first content line.
            while i < src.count, src[i] != "\n", src[i] != "\r" { i += 1 }
        case .plain:
            break
        }
        var result = SpannedText(endingAt: start)
        for character in value.unicodeScalars {
            guard let matched = match(character, style: style, in: src, at: &i) else { return nil }
            result.append(character, origin: TextOrigin(location: source.locations[matched], fromEnvironment: false))
        }
        result.setEnd(TextOrigin(location: source.locations[min(i, src.count)], fromEnvironment: false))
        return result
    }

    /// Skips an anchor (`&a`) or tag (`!!str`) written before the value.
    private static func skipProperties(_ src: [Unicode.Scalar], from start: Int) -> Int {
        var i = start
        while i < src.count, src[i] == "&" || src[i] == "!" {
            while i < src.count, !isBlank(src[i]) { i += 1 }
            while i < src.count, isBlank(src[i]) { i += 1 }
        }
        return i
    }

    /// Finds `character` at or after `i`, returning its index and moving `i` past it.
    private static func match(_ character: Unicode.Scalar, style: ScalarStyle, in src: [Unicode.Scalar], at i: inout Int)
        -> Int?
    {
        while i < src.count {
            let s = src[i]
            if style == .doubleQuoted, s == "\\" {
                guard let (decoded, length) = decodeEscape(src, at: i) else { return nil }
                guard let decoded else {
                    i += length  // an escaped line break: continues the line, adds nothing
                    continue
                }
                guard decoded == character else { return nil }
                defer { i += length }
                return i
            }
            if style == .singleQuoted, s == "'", i + 1 < src.count, src[i + 1] == "'" {
                guard character == "'" else { return nil }
                defer { i += 2 }
                return i
            }
            if s == character {
                defer { i += 1 }
                return i
            }
            guard isBlank(s) || isBreak(s) else { return nil }
            i += 1
        }
        return nil
    }

    /// A double-quoted escape at `i`: the character it denotes (nil for an escaped line
    /// break) and its length in the file.
    private static func decodeEscape(_ src: [Unicode.Scalar], at i: Int) -> (Unicode.Scalar?, Int)? {
        guard i + 1 < src.count else { return nil }
        let simple: [Unicode.Scalar: Unicode.Scalar] = [
            "0": "\0", "a": "\u{07}", "b": "\u{08}", "t": "\t", "\t": "\t", "n": "\n", "v": "\u{0B}", "f": "\u{0C}",
            "r": "\r", "e": "\u{1B}", " ": " ", "\"": "\"", "/": "/", "\\": "\\", "N": "\u{85}", "_": "\u{A0}",
            "L": "\u{2028}", "P": "\u{2029}",
        ]
        let code = src[i + 1]
        if let decoded = simple[code] { return (decoded, 2) }
        if isBreak(code) {
            // `\` + line break: the break and the next line's indentation vanish.
            var j = i + 1
            if src[j] == "\r", j + 1 < src.count, src[j + 1] == "\n" { j += 1 }
            j += 1
            while j < src.count, isBlank(src[j]) { j += 1 }
            return (nil, j - i)
        }
        let digits: Int
        switch code {
        case "x": digits = 2
        case "u": digits = 4
        case "U": digits = 8
        default: return nil
        }
        guard i + 2 + digits <= src.count else { return nil }
        let hex = String(String.UnicodeScalarView(src[(i + 2)..<(i + 2 + digits)]))
        guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, 2 + digits)
    }

    private static func isBlank(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" }
    private static func isBreak(_ s: Unicode.Scalar) -> Bool { s == "\n" || s == "\r" }
}
