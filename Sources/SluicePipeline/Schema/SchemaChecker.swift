/// Checks a YAML tree against the format's declarative schema, collecting every problem:
/// unknown keys (with the nearest known key as a suggestion), missing required keys,
/// values of the wrong kind, bad scalars and operator combinations a mapping forbids.
///
/// It knows nothing about pipelines: all it knows comes from `ObjectSpec`s, so adding a
/// key to the format is adding a `KeySpec`.
struct SchemaChecker {
    private(set) var diagnostics = Diagnostics()

    mutating func check(_ node: SyntaxNode, against type: ValueType, key: String) {
        switch type {
        case .object(let spec):
            checkObject(node, spec, key: key)
        case .namedMap(let valueType):
            guard let entries = expectMapping(node, type, key: key) else { return }
            for entry in entries {
                if !ScalarParsing.isName(entry.key), entry.value.isNull {
                    // `{ p95: percentile(value, 0.95) }`: YAML split the expression at its comma.
                    diagnostics.error(
                        at: entry.keyLocation, length: entry.key.count,
                        "'\(entry.key)' is not a name: a comma ends an entry of a { ... } mapping, so quote expressions that contain one, e.g. p95: \"percentile(value, 0.95)\"")
                    continue
                }
                if !ScalarParsing.isName(entry.key) {
                    diagnostics.error(
                        at: entry.keyLocation, length: entry.key.count,
                        "invalid name '\(entry.key)' in '\(key)': use letters, digits, '_' and '-', starting with a letter or '_'")
                }
                check(entry.value, against: valueType, key: entry.key)
            }
        case .list(let element):
            guard let items = node.sequence else {
                mismatch(node, type, key: key)
                return
            }
            for item in items { check(item, against: element, key: key) }
        case .either(let first, let second):
            if matches(node, first) {
                check(node, against: first, key: key)
            } else if matches(node, second) {
                check(node, against: second, key: key)
            } else {
                mismatch(node, type, key: key)
            }
        default:
            checkScalar(node, type, key: key)
        }
    }

    private mutating func checkObject(_ node: SyntaxNode, _ spec: ObjectSpec, key: String) {
        guard let entries = expectMapping(node, .object(spec), key: key) else { return }
        var hasUnknownKeys = false
        for entry in entries {
            guard let keySpec = spec.key(entry.key) else {
                hasUnknownKeys = true
                let suggestion = Suggestions.closest(to: entry.key, among: spec.keys.map(\.name))
                let message = suggestion.map { "unknown key '\(entry.key)' — did you mean '\($0)'?" }
                    ?? "unknown key '\(entry.key)' in \(spec.name) (allowed: \(spec.keys.map(\.name).joined(separator: ", ")))"
                diagnostics.error(at: entry.keyLocation, length: entry.key.count, message)
                continue
            }
            check(entry.value, against: keySpec.type, key: entry.key)
        }
        for keySpec in spec.keys where keySpec.required && !entries.contains(where: { $0.key == keySpec.name }) {
            diagnostics.error(at: node.location, "missing required key '\(keySpec.name)' in \(spec.name)")
        }
        checkGroups(entries, spec, at: node.location, hasUnknownKeys: hasUnknownKeys)
    }

    /// `hasUnknownKeys`: a misspelt key is most likely the missing group member, so
    /// "has no operator" would only repeat the unknown-key error.
    private mutating func checkGroups(_ entries: [SyntaxEntry], _ spec: ObjectSpec, at location: FileLocation, hasUnknownKeys: Bool) {
        guard !spec.exclusiveGroups.isEmpty else { return }
        var firstGroup: (index: Int, key: String)?
        for entry in entries {
            guard let group = spec.exclusiveGroups.firstIndex(where: { $0.contains(entry.key) }) else { continue }
            guard let first = firstGroup else {
                firstGroup = (group, entry.key)
                continue
            }
            if first.index != group {
                let rule = spec.groupRule.map { " (\($0))" } ?? ""
                diagnostics.error(
                    at: entry.keyLocation, length: entry.key.count,
                    "'\(entry.key)' cannot be combined with '\(first.key)' in one \(spec.name)\(rule)")
            }
        }
        if spec.requiresGroup, firstGroup == nil, !hasUnknownKeys {
            let choices = spec.exclusiveGroups.map { $0[0] }.joined(separator: ", ")
            diagnostics.error(at: location, "\(spec.name) has no \(spec.groupNoun): give one of \(choices)")
        }
    }

    private mutating func checkScalar(_ node: SyntaxNode, _ type: ValueType, key: String) {
        guard let scalar = node.scalar, !scalar.isNull else {
            mismatch(node, type, key: key)
            return
        }
        guard !scalar.interpolationFailed else { return }
        if case .failure(let error) = ScalarParsing.parse(scalar, as: type) {
            diagnostics.error(at: node.location, length: scalar.text.string.count, error.message(forKey: key))
        }
    }

    private mutating func expectMapping(_ node: SyntaxNode, _ type: ValueType, key: String) -> [SyntaxEntry]? {
        guard let entries = node.mapping else {
            mismatch(node, type, key: key)
            return nil
        }
        return entries
    }

    private mutating func mismatch(_ node: SyntaxNode, _ type: ValueType, key: String) {
        diagnostics.error(at: node.location, "'\(key)' must be \(type.expectation), found \(node.kindDescription)")
    }

    private func matches(_ node: SyntaxNode, _ type: ValueType) -> Bool {
        switch (type.nodeKind, node.kind) {
        case (.scalar, .scalar), (.sequence, .sequence), (.mapping, .mapping): true
        default: false
        }
    }
}
