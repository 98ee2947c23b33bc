/// Where one character of a scalar's value came from.
struct TextOrigin: Sendable, Hashable {
    /// The file position of the character, or of the `${` that produced it.
    var location: FileLocation
    /// True when the character was substituted from an environment variable rather than
    /// written in the file (a default value counts as written in the file).
    var fromEnvironment: Bool
}

/// A scalar's text together with the file position of every UTF-8 byte.
///
/// Errors found inside a value — an expression's unknown field, a URI's bad port — are
/// reported at the exact line and column of the offending text, even after YAML
/// unquoting and `${VAR}` interpolation changed the text's length.
struct SpannedText: Sendable, Hashable, CustomStringConvertible {
    private(set) var string: String = ""
    /// One entry per UTF-8 byte of `string`, plus one for the end of the text.
    private(set) var origins: [TextOrigin]

    /// Text whose every byte is attributed to `location` (used when an exact mapping
    /// could not be computed, and for synthesized defaults).
    init(_ string: String, at location: FileLocation, fromEnvironment: Bool = false) {
        self.string = string
        origins = Array(
            repeating: TextOrigin(location: location, fromEnvironment: fromEnvironment), count: string.utf8.count + 1)
    }

    /// An empty text that ends at `location`.
    init(endingAt location: FileLocation) {
        origins = [TextOrigin(location: location, fromEnvironment: false)]
    }

    var description: String { string }

    /// The start of the text.
    var location: FileLocation { origins[0].location }

    /// The file position of the UTF-8 byte at `offset` (clamped to the text).
    func location(atUTF8Offset offset: Int) -> FileLocation {
        origins[min(max(0, offset), origins.count - 1)].location
    }

    /// How many columns `length` bytes from `offset` span on the first line they touch.
    func columnSpan(fromUTF8Offset offset: Int, length: Int) -> Int {
        let start = location(atUTF8Offset: offset)
        let end = location(atUTF8Offset: offset + max(0, length - 1))
        guard start.line == end.line else { return 1 }
        return end.column - start.column + 1
    }

    /// True when any byte in `range` came from the environment.
    func containsEnvironmentText(utf8Range range: Range<Int>) -> Bool {
        range.clamped(to: 0..<(origins.count - 1)).contains { origins[$0].fromEnvironment }
    }

    /// True when every byte in `range` came from the environment.
    func isEntirelyFromEnvironment(utf8Range range: Range<Int>) -> Bool {
        let clamped = range.clamped(to: 0..<(origins.count - 1))
        return !clamped.isEmpty && clamped.allSatisfy { origins[$0].fromEnvironment }
    }

    /// Appends one character with its origin.
    mutating func append(_ scalar: Unicode.Scalar, origin: TextOrigin) {
        let end = origins.removeLast()
        string.unicodeScalars.append(scalar)
        for _ in 0..<String(scalar).utf8.count { origins.append(origin) }
        origins.append(end)
    }

    /// Appends another spanned text, keeping its origins.
    mutating func append(_ other: SpannedText) {
        let end = origins.removeLast()
        string += other.string
        origins.append(contentsOf: other.origins.dropLast())
        origins.append(other.string.isEmpty ? end : other.origins[other.origins.count - 1])
    }

    /// Sets where the text ends (the position just after its last character).
    mutating func setEnd(_ origin: TextOrigin) { origins[origins.count - 1] = origin }

    static func == (lhs: SpannedText, rhs: SpannedText) -> Bool { lhs.string == rhs.string && lhs.origins == rhs.origins }
    func hash(into hasher: inout Hasher) { hasher.combine(string) }
}
