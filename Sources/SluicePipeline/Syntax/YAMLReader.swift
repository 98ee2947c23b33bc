import Yams

/// Parses YAML text into a `SyntaxNode` tree that keeps positions.
///
/// A YAML syntax error ends the parse (there is no tree to check after it), so it is the
/// one diagnostic that stands alone; every later stage reports all it finds.
enum YAMLReader {
    static func read(_ source: SourceText, diagnostics: inout Diagnostics) -> SyntaxNode? {
        let root: Node?
        do {
            let parser = try Parser(yaml: source.text)
            root = try parser.singleRoot()
        } catch let error as YamlError {
            diagnostics.append(diagnostic(for: error, in: source))
            return nil
        } catch {
            diagnostics.error(at: nil, "invalid YAML: \(error)")
            return nil
        }
        guard let root else {
            diagnostics.error(at: FileLocation(line: 1, column: 1), "the file is empty: a pipeline needs at least 'pipeline', a source and a sink")
            return nil
        }
        return convert(root, in: source, diagnostics: &diagnostics)
    }

    private static func convert(_ node: Node, in source: SourceText, diagnostics: inout Diagnostics) -> SyntaxNode {
        let location = node.mark.map { FileLocation(line: $0.line, column: $0.column) }
            ?? FileLocation(line: 1, column: 1)
        switch node {
        case .scalar(let scalar):
            let style = ScalarStyle(scalar.style)
            let text = ScalarLayout.spannedValue(scalar.string, style: style, startingAt: location, in: source)
            return SyntaxNode(kind: .scalar(ScalarNode(text: text, style: style, written: scalar.string)), location: location)
        case .sequence(let sequence):
            return SyntaxNode(kind: .sequence(sequence.map { convert($0, in: source, diagnostics: &diagnostics) }), location: location)
        case .mapping(let mapping):
            var entries: [SyntaxEntry] = []
            for (key, value) in mapping {
                let keyLocation = key.mark.map { FileLocation(line: $0.line, column: $0.column) } ?? location
                guard case .scalar(let keyScalar) = key else {
                    diagnostics.error(at: keyLocation, "a mapping key must be a plain name, not a list or mapping")
                    continue
                }
                entries.append(
                    SyntaxEntry(key: keyScalar.string, keyLocation: keyLocation, value: convert(value, in: source, diagnostics: &diagnostics)))
            }
            return SyntaxNode(kind: .mapping(entries), location: location)
        case .alias:
            // Yams resolves aliases while composing; an unresolved one never reaches here.
            return SyntaxNode(kind: .scalar(ScalarNode(text: SpannedText("", at: location), style: .plain, written: "")), location: location)
        }
    }

    private static func diagnostic(for error: YamlError, in source: SourceText) -> Diagnostic {
        func location(_ mark: Mark) -> FileLocation { FileLocation(line: mark.line, column: mark.column) }
        func message(_ problem: String, _ context: YamlError.Context?) -> String {
            var text = "invalid YAML: \(problem)"
            if let context { text += " (\(context.text) at \(location(context.mark)))" }
            return text
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return .error(at: location(mark), message(problem, context))
        case .reader(let problem, let offset, _, _):
            let at = offset.map { source.locations[min($0, source.locations.count - 1)] }
            return .error(at: at, "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let first = location(context.mark)
            let key = duplicates.first ?? ""
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            guard let repeated = repetition(of: key, after: first, in: source) else {
                return .error(at: first, length: key.count, "duplicate key \(keys): each key may appear once in a mapping")
            }
            return .error(at: repeated, length: key.count, "duplicate key \(keys) (first at \(first)): each key may appear once in a mapping")
        default:
            return .error(at: nil, "invalid YAML: \(error)")
        }
    }
}

/// libyaml reports a duplicate key where it first appears; the mistake is the repetition,
/// so find the next `key:` after it at the same column (block mappings) or on the same
/// line (flow mappings).
private func repetition(of key: String, after first: FileLocation, in source: SourceText) -> FileLocation? {
    guard !key.isEmpty, let start = source.index(of: first) else { return nil }
    let keyScalars = Array(key.unicodeScalars)
    var i = start + keyScalars.count
    while i + keyScalars.count <= source.scalars.count {
        let candidate = source.locations[i]
        let aligned = candidate.column == first.column || candidate.line == first.line
        let boundary = i == 0 || [" ", "\t", "{", ",", "\n"].contains(source.scalars[i - 1])
        if aligned, boundary, Array(source.scalars[i..<(i + keyScalars.count)]) == keyScalars {
            var j = i + keyScalars.count
            while j < source.scalars.count, source.scalars[j] == " " { j += 1 }
            if j < source.scalars.count, source.scalars[j] == ":" { return candidate }
        }
        i += 1
    }
    return nil
}

extension ScalarStyle {
    init(_ style: Node.Scalar.Style) {
        switch style {
        case .singleQuoted: self = .singleQuoted
        case .doubleQuoted: self = .doubleQuoted
        case .literal: self = .literal
        case .folded: self = .folded
        case .plain, .any: self = .plain
        }
    }
}
