/// One problem found in a pipeline file.
///
/// Loading collects every diagnostic it can find before giving up, so a user fixes a
/// file in one round instead of one error at a time.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Errors reject the file; warnings are printed and the file still loads.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// Error or warning.
    public var severity: Severity
    /// Where the problem is; nil for problems with the file as a whole (unreadable).
    public var location: FileLocation?
    /// How many columns the offending text spans on its line (at least 1), for the caret.
    public var length: Int
    /// What is wrong, with a suggestion where one helps.
    public var message: String

    /// A diagnostic at `location`.
    public init(_ severity: Severity = .error, at location: FileLocation?, length: Int = 1, _ message: String) {
        self.severity = severity
        self.location = location
        self.length = max(1, length)
        self.message = message
    }

    /// An error at `location`.
    public static func error(at location: FileLocation?, length: Int = 1, _ message: String) -> Diagnostic {
        Diagnostic(.error, at: location, length: length, message)
    }

    /// A warning at `location`.
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
    /// In the order found.
    public private(set) var items: [Diagnostic] = []

    /// Diagnostics holding `items`.
    public init(_ items: [Diagnostic] = []) { self.items = items }

    /// Adds one.
    public mutating func append(_ diagnostic: Diagnostic) { items.append(diagnostic) }

    /// Adds all of `other`.
    public mutating func append(contentsOf other: Diagnostics) { items.append(contentsOf: other.items) }

    /// Adds an error.
    public mutating func error(at location: FileLocation?, length: Int = 1, _ message: String) {
        items.append(.error(at: location, length: length, message))
    }

    /// Adds a warning.
    public mutating func warning(at location: FileLocation?, length: Int = 1, _ message: String) {
        items.append(.warning(at: location, length: length, message))
    }

    /// True when the file is rejected.
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
