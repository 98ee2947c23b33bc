/// `${VAR}` and `${VAR:-default}` substitution in scalar values.
///
/// Substitution runs on parsed scalars, not on the raw file, so every position stays
/// exact and a variable's value can never change the YAML structure (a value with a
/// colon or a newline stays one scalar). Substituted characters are marked as coming
/// from the environment, which is how credentials are told apart from ones written in
/// the file.
///
/// - `${NAME}`: the variable's value; an error at the `$` when it is not set.
/// - `${NAME:-default}`: the default when the variable is unset or empty; the default may
///   itself contain `${...}`.
/// - `$${`: a literal `${`.
struct Interpolator: Sendable {
    var environment: [String: String]

    /// The scalar's text with every reference substituted; errors go to `diagnostics`.
    func interpolate(_ text: SpannedText, diagnostics: inout Diagnostics) -> SpannedText {
        let scalars = Array(text.string.unicodeScalars)
        let origins = Self.scalarOrigins(of: text)
        var index = 0
        var result = SpannedText(endingAt: text.origins[text.origins.count - 1].location)
        expand(scalars, origins, &index, stopAtBrace: false, into: &result, diagnostics: &diagnostics)
        result.setEnd(text.origins[text.origins.count - 1])
        return result
    }

    /// Expands text up to the end (or, inside a default, up to the closing brace).
    /// Returns false when a closing brace was required but not found.
    @discardableResult
    private func expand(
        _ s: [Unicode.Scalar], _ origins: [TextOrigin], _ i: inout Int, stopAtBrace: Bool, into out: inout SpannedText,
        diagnostics: inout Diagnostics
    ) -> Bool {
        while i < s.count {
            if stopAtBrace, s[i] == "}" { return true }
            if s[i] == "$", i + 2 < s.count, s[i + 1] == "$", s[i + 2] == "{" {
                out.append("$", origin: origins[i])
                out.append("{", origin: origins[i + 2])
                i += 3
                continue
            }
            if s[i] == "$", i + 1 < s.count, s[i + 1] == "{" {
                expandReference(s, origins, &i, into: &out, diagnostics: &diagnostics)
                continue
            }
            out.append(s[i], origin: origins[i])
            i += 1
        }
        return !stopAtBrace
    }

    private func expandReference(
        _ s: [Unicode.Scalar], _ origins: [TextOrigin], _ i: inout Int, into out: inout SpannedText,
        diagnostics: inout Diagnostics
    ) {
        let dollar = i
        let at = origins[dollar].location
        i += 2
        var name = ""
        while i < s.count, s[i] == "_" || isASCIILetterOrDigit(s[i]) {
            name.unicodeScalars.append(s[i])
            i += 1
        }
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else {
            diagnostics.error(at: at, length: 2, "invalid variable reference: expected a name after '${' (letters, digits, '_')")
            skipToClosingBrace(s, &i)
            return
        }
        let value = environment[name]
        if i < s.count, s[i] == "}" {
            i += 1
            guard let value else {
                diagnostics.error(
                    at: at, length: name.count + 3,
                    "undefined variable '\(name)': set it in the environment or give a default with ${\(name):-value}")
                return
            }
            appendEnvironment(value, at: at, into: &out)
            return
        }
        guard i + 1 < s.count, s[i] == ":", s[i + 1] == "-" else {
            diagnostics.error(at: at, length: 2 + name.count, "invalid variable reference '${\(name)': expected '}' or ':-default}'")
            skipToClosingBrace(s, &i)
            return
        }
        i += 2
        var fallback = SpannedText(endingAt: at)
        guard expand(s, origins, &i, stopAtBrace: true, into: &fallback, diagnostics: &diagnostics) else {
            diagnostics.error(at: at, length: 2 + name.count, "unterminated variable reference '${\(name)': missing '}'")
            return
        }
        i += 1  // the closing brace
        if let value, !value.isEmpty {
            appendEnvironment(value, at: at, into: &out)
        } else {
            out.append(fallback)
        }
    }

    private func appendEnvironment(_ value: String, at location: FileLocation, into out: inout SpannedText) {
        let origin = TextOrigin(location: location, fromEnvironment: true)
        for scalar in value.unicodeScalars { out.append(scalar, origin: origin) }
    }

    private func skipToClosingBrace(_ s: [Unicode.Scalar], _ i: inout Int) {
        while i < s.count, s[i] != "}" { i += 1 }
        if i < s.count { i += 1 }
    }

    private func isASCIILetterOrDigit(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
    }

    /// The origin of each Unicode scalar of `text` (its first UTF-8 byte's origin).
    private static func scalarOrigins(of text: SpannedText) -> [TextOrigin] {
        var result: [TextOrigin] = []
        var offset = 0
        for scalar in text.string.unicodeScalars {
            result.append(text.origins[offset])
            offset += String(scalar).utf8.count
        }
        return result
    }
}

extension Interpolator {
    /// Interpolates every scalar value of the tree (keys are names and stay as written).
    func interpolate(_ node: SyntaxNode, diagnostics: inout Diagnostics) -> SyntaxNode {
        var node = node
        switch node.kind {
        case .scalar(var scalar):
            let errorsBefore = diagnostics.errors.count
            scalar.text = interpolate(scalar.text, diagnostics: &diagnostics)
            scalar.interpolationFailed = diagnostics.errors.count > errorsBefore
            node.kind = .scalar(scalar)
        case .sequence(let items):
            node.kind = .sequence(items.map { interpolate($0, diagnostics: &diagnostics) })
        case .mapping(let entries):
            node.kind = .mapping(
                entries.map { SyntaxEntry(key: $0.key, keyLocation: $0.keyLocation, value: interpolate($0.value, diagnostics: &diagnostics)) })
        }
        return node
    }
}
