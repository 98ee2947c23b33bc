/// A range of an expression's source text, in UTF-8 bytes.
///
/// Offsets are relative to the start of the expression, so a caller that embedded the
/// expression in a larger file (a YAML scalar) adds the scalar's own position.
public struct SourceSpan: Sendable, Hashable, CustomStringConvertible {
    /// UTF-8 byte offset of the first byte.
    public var offset: Int
    /// UTF-8 byte length (>= 1 except for the end of an empty expression).
    public var length: Int

    public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }

    /// One past the last byte.
    public var end: Int { offset + length }

    /// The smallest span covering both.
    public func union(_ other: SourceSpan) -> SourceSpan {
        let start = min(offset, other.offset)
        return SourceSpan(offset: start, length: max(end, other.end) - start)
    }

    /// The text this span covers in `source` (empty when out of range).
    public func text(in source: String) -> String {
        let bytes = source.utf8
        guard offset >= 0, length >= 0, end <= bytes.count else { return "" }
        let from = bytes.index(bytes.startIndex, offsetBy: offset)
        let to = bytes.index(from, offsetBy: length)
        return String(decoding: bytes[from..<to], as: UTF8.self)
    }

    public var description: String { "\(offset)..<\(end)" }
}
