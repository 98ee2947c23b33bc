/// One problem found in a pipeline file.
///
/// Loading collects every diagnostic it can find before giving up, so a user fixes a
/// file in one round instead of one error at a time.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var severity: Severity
    /// Where the problem is; nil for problems with the file as a whole (unreadable).
    public var location: FileLocation?
    /// How many columns the offending text spans on its line (at least 1), for the caret.
    public var length: Int
    public var message: String

    public init(_ severity: Severity = .error, at location: FileLocation?, length: Int = 1, _ message: String) {
        self.severity = severity
        self.location = location
        self.length = max(1, length)
        self.message = message
    }

    public static func error(at location: FileLocation?, length: Int = 1, _ message: String) -> Diagnostic {
        Diagnostic(.error, at: location, length: length, message)
    }

    public static func warning(at location: FileLocation?, length: Int = 1, _ message: String) -> Diagnostic {
        Diagnostic(.warning, at: location, length: length, message)
    }

    /// `line:column: severity: message`, without the file name.
    public var description: String {
        (location.map { "\($0): " } ?? "") + "\(severity.rawValue): \(message)"
    }
}

/// The diagnostics of one load, in file order.
public struct Diagnostics: Sendable, Hashable, Sequence {
    public private(set) var items: [Diagnostic] = []

    public init(_ items: [Diagnostic] = []) { self.items = items }

    public mutating func append(_ diagnostic: Diagnostic) { items.append(diagnostic) }

    public mutating func append(contentsOf other: Diagnostics) { items.append(contentsOf: other.items) }

    public mutating func error(at location: FileLocation?, length: Int = 1, _ message: String) {
        items.append(.error(at: location, length: length, message))
    }

    public mutating func warning(at location: FileLocation?, length: Int = 1, _ message: String) {
        items.append(.warning(at: location, length: length, message))
    }

    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var isEmpty: Bool { items.isEmpty }
    public var count: Int { items.count }

    /// The diagnostics sorted by location (file-level ones first), duplicates removed.
    public var sorted: [Diagnostic] {
        var seen = Set<Diagnostic>()
        let unique = items.filter { seen.insert($0).inserted }
        return unique.enumerated().sorted { lhs, rhs in
            let l = lhs.element.location ?? FileLocation(line: 0, column: 0)
            let r = rhs.element.location ?? FileLocation(line: 0, column: 0)
            return l == r ? lhs.offset < rhs.offset : l < r
        }.map(\.element)
    }

    public func makeIterator() -> IndexingIterator<[Diagnostic]> { items.makeIterator() }
}
