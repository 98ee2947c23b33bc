/// A position in a pipeline file: 1-based line and column.
///
/// Columns count Unicode scalars, as libyaml (and so Yams) does, so a location taken
/// from a YAML node and one computed inside a scalar agree.
public struct FileLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The line, from 1.
    public var line: Int
    /// The column, from 1, in Unicode scalars.
    public var column: Int

    /// The location `line:column`.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// File order.
    public static func < (lhs: FileLocation, rhs: FileLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}
