/// A scalar read as one of the format's scalar types.
enum ParsedScalar: Sendable, Equatable {
    case text(String)
    case integer(Int)
    case boolean(Bool)
    case millis(Int64)
}

/// Reads scalars as the format's types. The schema checker and the decoder both use
/// this, so whatever the checker accepts the decoder can read.
enum ScalarParsing {
    /// The scalar as `type`, or the reason it is not one (without the key's name).
    static func parse(_ scalar: ScalarNode, as type: ValueType) -> Result<ParsedScalar, ScalarError> {
        let text = scalar.text.string
        switch type {
        case .text:
            return .success(.text(text))
        case .name:
            return isName(text) ? .success(.text(text)) : .failure(.invalid("name", text, "use letters, digits, '_' and '-', starting with a letter or '_'"))
        case .reference:
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count <= 2 && parts.allSatisfy({ isName(String($0)) })
                ? .success(.text(text)) : .failure(.invalid("reference", text, "expected a node name, or node.route for a branch route"))
        case .integer(let range):
            guard let value = Int(text), range.contains(value) else {
                return .failure(.invalid("value", text, "expected an integer between \(range.lowerBound) and \(range.upperBound)"))
            }
            return .success(.integer(value))
        case .boolean:
            switch text {
            case "true": return .success(.boolean(true))
            case "false": return .success(.boolean(false))
            default: return .failure(.invalid("value", text, "expected true or false"))
            }
        case .duration(let allowNegative):
            guard let millis = DurationSyntax.parseMillis(text, allowNegative: allowNegative) else {
                if !allowNegative, DurationSyntax.parseMillis(text, allowNegative: true) != nil {
                    return .failure(.invalid("duration", text, "a duration here cannot be negative"))
                }
                return .failure(.invalid("duration", text, "expected " + DurationSyntax.expected))
            }
            return .success(.millis(millis))
        case .uri, .expression, .aggregateCall:
            return text.allSatisfy(\.isWhitespace) ? .failure(.empty) : .success(.text(text))
        case .choice(let words):
            guard words.contains(text) else {
                return .failure(.choice(text, words))
            }
            return .success(.text(text))
        case .list, .object, .namedMap, .either:
            return .failure(.message("expected \(type.expectation)"))
        }
    }

    /// Names of fields, nodes, views and routes.
    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || first.properties.isAlphabetic, first.isASCII else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}

/// Why a scalar is not of the expected type.
enum ScalarError: Error, Equatable {
    /// `invalid duration '10 sec': expected ...`
    case invalid(String, String, String)
    case empty
    case choice(String, [String])
    case message(String)

    /// The message, naming the key the scalar belongs to.
    func message(forKey key: String) -> String {
        switch self {
        case .invalid(let what, let text, let hint): "invalid \(what) '\(text)' for '\(key)': \(hint)"
        case .empty: "'\(key)' is empty"
        case .choice(let text, let words):
            "invalid value '\(text)' for '\(key)'\(Suggestions.didYouMean(text, among: words)) (expected one of: \(words.joined(separator: ", ")))"
        case .message(let text): "\(text) for '\(key)'"
        }
    }
}
