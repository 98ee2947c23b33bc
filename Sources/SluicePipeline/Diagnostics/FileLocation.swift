/// A position in a pipeline file: 1-based line and column.
///
/// Columns count Unicode scalars, as libyaml (and so Yams) does, so a location taken
/// from a YAML node and one computed inside a scalar agree.
public struct FileLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: FileLocation, rhs: FileLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}
