/// Typed access to a mapping that the schema checker has already checked.
///
/// Getters read values with the same parser the checker used and return nil for a value
/// the checker rejected (its diagnostic is already recorded), so decoding never reports
/// a problem twice. Asking for a key the spec does not declare is a programming error.
struct MappingReader {
    let node: SyntaxNode
    let spec: ObjectSpec
    let entries: [SyntaxEntry]

    init?(_ node: SyntaxNode?, _ spec: ObjectSpec) {
        guard let node, let entries = node.mapping else { return nil }
        self.node = node
        self.spec = spec
        self.entries = entries
    }

    var location: FileLocation { node.location }

    func has(_ key: String) -> Bool { self[key] != nil }

    subscript(key: String) -> SyntaxNode? {
        precondition(spec.key(key) != nil, "'\(key)' is not declared in the \(spec.name) spec")
        return entries.first { $0.key == key }?.value
    }

    func keyLocation(_ key: String) -> FileLocation? { entries.first { $0.key == key }?.keyLocation }

    /// A scalar as text, checked against the key's declared scalar type.
    func text(_ key: String) -> SpannedText? {
        guard let node = self[key], let scalar = node.scalar, !scalar.isNull, !scalar.interpolationFailed,
            let type = spec.key(key)?.type
        else { return nil }
        guard case .success = ScalarParsing.parse(scalar, as: scalarType(type)) else { return nil }
        return scalar.text
    }

    func string(_ key: String) -> Located<String>? {
        guard let text = text(key) else { return nil }
        return Located(text.string, at: text.location, length: text.string.count)
    }

    /// A duration in milliseconds, or the spec's default when the key is absent.
    func millis(_ key: String) -> Int64? {
        if let node = self[key] {
            guard let scalar = node.scalar, !scalar.interpolationFailed, let type = spec.key(key)?.type,
                case .success(.millis(let millis)) = ScalarParsing.parse(scalar, as: type)
            else { return nil }
            return millis
        }
        return spec.key(key)?.defaultValue.flatMap { DurationSyntax.parseMillis($0) }
    }

    func integer(_ key: String) -> Int? {
        guard let scalar = self[key]?.scalar, !scalar.interpolationFailed, let type = spec.key(key)?.type,
            case .success(.integer(let value)) = ScalarParsing.parse(scalar, as: type)
        else { return nil }
        return value
    }

    /// A name, or a list of names (`key_by: agent_id` or `key_by: [agent_id, metric]`).
    func names(_ key: String) -> [Located<String>]? {
        guard let node = self[key] else { return nil }
        let items = node.sequence ?? [node]
        var names: [Located<String>] = []
        for item in items {
            guard let scalar = item.scalar, !scalar.interpolationFailed, case .success = ScalarParsing.parse(scalar, as: .reference)
            else { return nil }
            names.append(Located(scalar.text.string, at: item.location, length: scalar.text.string.count))
        }
        return names
    }

    /// A mapping of user-chosen names to scalar texts (`map`, `aggregate`, `routes`).
    func namedTexts(_ key: String) -> [NamedText]? {
        guard let entries = self[key]?.mapping else { return nil }
        return entries.indices.compactMap { index in
            let entry = entries[index]
            guard let scalar = entry.value.scalar, !scalar.isNull, !scalar.interpolationFailed else { return nil }
            // `{ p: percentile(v, 0.95) }` was split at the comma (reported by the schema
            // check); the truncated text would only add a confusing syntax error.
            if index + 1 < entries.count, entries[index + 1].value.isNull, !ScalarParsing.isName(entries[index + 1].key) {
                return nil
            }
            return NamedText(name: Located(entry.key, at: entry.keyLocation, length: entry.key.count), text: scalar.text)
        }
    }

    func object(_ key: String) -> MappingReader? {
        guard case .object(let nested)? = spec.key(key)?.type else { preconditionFailure("'\(key)' is not an object") }
        return MappingReader(self[key], nested)
    }

    /// A mapping of user-chosen names to objects (`sources`, `nodes`, `sinks`).
    func namedObjects(_ key: String) -> [(name: Located<String>, reader: MappingReader)] {
        guard case .namedMap(.object(let nested))? = spec.key(key)?.type, let entries = self[key]?.mapping else { return [] }
        return entries.compactMap { entry in
            MappingReader(entry.value, nested).map { (Located(entry.key, at: entry.keyLocation, length: entry.key.count), $0) }
        }
    }

    /// For `either` keys, the scalar alternative.
    private func scalarType(_ type: ValueType) -> ValueType {
        if case .either(let a, let b) = type { return a.nodeKind == .scalar ? a : b }
        return type
    }
}
