/// How a scalar was written in the file.
enum ScalarStyle: Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// A scalar value with its text (after `${VAR}` interpolation) and positions.
struct ScalarNode: Sendable, Hashable {
    var text: SpannedText
    var style: ScalarStyle
    /// The value as written in the file, before interpolation.
    var written: String
    /// True when `${...}` substitution failed (already reported): the value is unknown
    /// and every later check skips it.
    var interpolationFailed = false

    /// YAML's null: an empty, `~` or `null` plain scalar.
    var isNull: Bool {
        style == .plain && ["", "~", "null", "Null", "NULL"].contains(written)
    }
}

/// One `key: value` entry of a mapping.
struct SyntaxEntry: Sendable {
    var key: String
    var keyLocation: FileLocation
    var value: SyntaxNode
}

/// The YAML document as a tree that keeps every node's position.
///
/// Values stay text: the pipeline schema decides what a scalar means (a duration, a
/// number, an expression), so `on: [id]` is a key, never YAML 1.1's boolean true.
struct SyntaxNode: Sendable {
    enum Kind: Sendable {
        case scalar(ScalarNode)
        case sequence([SyntaxNode])
        case mapping([SyntaxEntry])
    }

    var kind: Kind
    var location: FileLocation

    var scalar: ScalarNode? {
        if case .scalar(let scalar) = kind { return scalar }
        return nil
    }

    var sequence: [SyntaxNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    var mapping: [SyntaxEntry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    var isNull: Bool { scalar?.isNull ?? false }

    /// What kind of YAML value this is, for "expected X, found Y" messages.
    var kindDescription: String {
        switch kind {
        case .scalar(let scalar): scalar.isNull ? "null" : "a scalar ('\(scalar.text.string)')"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// The value of `key`, when this is a mapping that has it.
    subscript(key: String) -> SyntaxNode? {
        mapping?.first { $0.key == key }?.value
    }
}
