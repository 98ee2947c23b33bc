/// A connector address from a pipeline file: `generator:daa?agents=100`,
/// `file:events.ndjson`, `amqp://user:${PASS}@mq:5672/daa?queue=events`.
///
/// Two shapes are accepted: opaque (`scheme:path?query`) and hierarchical
/// (`scheme://[user[:password]@]host[:port][/path][?query]`). Printing a URI never shows
/// a password: `description` is the redacted form.
public struct ConnectorURI: Sendable, Hashable, CustomStringConvertible {
    /// One `name=value` query parameter, with where its parts are in the text.
    public struct Parameter: Sendable, Hashable {
        /// The parameter's name, decoded.
        public var name: String
        /// Its value, decoded.
        public var value: String
        var nameRange: Range<Int>
        var valueRange: Range<Int>
    }

    /// Lower-cased scheme (`generator`, `file`, `amqp`).
    public var scheme: String
    /// True for the `scheme://authority` shape.
    public var isHierarchical: Bool
    /// The user of `scheme://user@host`.
    public var user: String?
    /// The password of `scheme://user:password@host`: never print it.
    public var password: String?
    /// The host of a hierarchical URI.
    public var host: String?
    /// The port, when given.
    public var port: Int?
    /// The opaque part (`daa`, `events.ndjson`) or the hierarchical path without its
    /// leading slash (`daa` in `amqp://mq/daa`), percent-decoded.
    public var path: String
    /// The query parameters, in order.
    public var parameters: [Parameter]
    /// The text as written, credentials included: never print it.
    let raw: String
    /// UTF-8 byte ranges of parts, for diagnostics.
    var schemeRange: Range<Int>
    var pathRange: Range<Int>
    var passwordRange: Range<Int>?
    var hostRange: Range<Int>?

    /// The value of query parameter `name` (the last one when repeated).
    public func parameter(_ name: String) -> String? { parameters.last { $0.name == name }?.value }

    /// The URI with its password (and password-like parameters) replaced by `***`.
    public var redacted: String {
        var text = scheme + ":"
        if isHierarchical {
            text += "//"
            if let user { text += user + (password != nil ? ":***" : "") + "@" }
            text += host ?? ""
            if let port { text += ":\(port)" }
            if !path.isEmpty { text += "/" + path }
        } else {
            text += path
        }
        return text + redactedQuery
    }

    /// `?name=value&…` with secret values as `***`, or "" without parameters.
    private var redactedQuery: String {
        guard !parameters.isEmpty else { return "" }
        return "?" + parameters.map { "\($0.name)=" + (Self.isSecretName($0.name) ? "***" : $0.value) }.joined(separator: "&")
    }

    /// The redacted form: printing a URI never shows a secret.
    public var description: String { redacted }

    /// `scheme:path?query`, redacted, without user, password, host or port: what names the
    /// data rather than where it is served from (a moved broker serves the same queue).
    public var withoutAuthority: String { scheme + ":" + path + redactedQuery }

    /// Query parameters that carry secrets by convention.
    static func isSecretName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["password", "passwd", "pass", "secret", "token", "sasl.password", "api_key", "apikey"].contains(lower)
            || lower.hasSuffix("password") || lower.hasSuffix("secret")
    }

    /// Equal when written the same.
    public static func == (lhs: ConnectorURI, rhs: ConnectorURI) -> Bool { lhs.raw == rhs.raw }
    /// Hashes the written text.
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }
}

/// Why a text is not a URI, and where (UTF-8 byte offsets into the text).
struct URISyntaxError: Error, Equatable {
    var message: String
    var offset: Int
    var length: Int
}

extension ConnectorURI {
    /// Parses `text`; the error says what is wrong and where.
    static func parse(_ text: String) -> Result<ConnectorURI, URISyntaxError> {
        let bytes = Array(text.utf8)
        func fail(_ message: String, _ offset: Int, _ length: Int = 1) -> Result<ConnectorURI, URISyntaxError> {
            .failure(URISyntaxError(message: message, offset: offset, length: length))
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            return fail("'\(text)' is not a URI: it needs a scheme such as file:, generator:, sqlite: or stdout:", 0, bytes.count)
        }
        let schemeBytes = bytes[0..<colon]
        guard let first = schemeBytes.first, Self.isLetter(first),
            schemeBytes.allSatisfy({ Self.isLetter($0) || Self.isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else {
            return fail("invalid URI scheme '\(String(decoding: schemeBytes, as: UTF8.self))'", 0, max(1, colon))
        }
        if let space = bytes.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) {
            return fail("a URI cannot contain spaces (write %20)", space)
        }
        let scheme = String(decoding: schemeBytes, as: UTF8.self).lowercased()
        var uri = ConnectorURI(
            scheme: scheme, isHierarchical: false, path: "", parameters: [], raw: text, schemeRange: 0..<colon,
            pathRange: (colon + 1)..<(colon + 1))
        var rest = colon + 1
        let queryStart = bytes[rest...].firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        if bytes.count >= rest + 2, bytes[rest] == UInt8(ascii: "/"), bytes[rest + 1] == UInt8(ascii: "/") {
            uri.isHierarchical = true
            rest += 2
            let authorityEnd = bytes[rest..<queryStart].firstIndex(of: UInt8(ascii: "/")) ?? queryStart
            if case .failure(let error) = uri.parseAuthority(bytes, rest..<authorityEnd) { return .failure(error) }
            rest = authorityEnd < queryStart ? authorityEnd + 1 : authorityEnd
        }
        guard let path = percentDecoded(bytes[rest..<queryStart]) else {
            return fail("invalid percent-encoding in the URI's path", rest, queryStart - rest)
        }
        uri.path = path
        uri.pathRange = rest..<queryStart
        if queryStart < bytes.count {
            var start = queryStart + 1
            while start <= bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
                if end > start {
                    let equals = bytes[start..<end].firstIndex(of: UInt8(ascii: "=")) ?? end
                    guard equals > start else { return fail("a query parameter needs a name before '='", start) }
                    guard let name = percentDecoded(bytes[start..<equals]),
                        let value = percentDecoded(bytes[min(equals + 1, end)..<end])
                    else { return fail("invalid percent-encoding in a query parameter", start, end - start) }
                    uri.parameters.append(
                        Parameter(name: name, value: value, nameRange: start..<equals, valueRange: min(equals + 1, end)..<end))
                }
                start = end + 1
            }
        }
        return .success(uri)
    }

    private mutating func parseAuthority(_ bytes: [UInt8], _ range: Range<Int>) -> Result<Void, URISyntaxError> {
        var hostStart = range.lowerBound
        if let at = bytes[range].lastIndex(of: UInt8(ascii: "@")) {
            let userEnd = bytes[range.lowerBound..<at].firstIndex(of: UInt8(ascii: ":")) ?? at
            user = Self.percentDecoded(bytes[range.lowerBound..<userEnd])
            if userEnd < at {
                password = Self.percentDecoded(bytes[(userEnd + 1)..<at])
                passwordRange = (userEnd + 1)..<at
            }
            hostStart = at + 1
        }
        var hostEnd = range.upperBound
        if let colon = bytes[hostStart..<range.upperBound].lastIndex(of: UInt8(ascii: ":")),
            !bytes[hostStart..<range.upperBound].contains(UInt8(ascii: "]")) || bytes[colon - 1] == UInt8(ascii: "]")
        {
            let portText = String(decoding: bytes[(colon + 1)..<range.upperBound], as: UTF8.self)
            guard let port = Int(portText), (1...65535).contains(port) else {
                return .failure(
                    URISyntaxError(message: "invalid port '\(portText)': expected 1–65535", offset: colon + 1, length: max(1, range.upperBound - colon - 1)))
            }
            self.port = port
            hostEnd = colon
        }
        host = hostEnd > hostStart ? String(decoding: bytes[hostStart..<hostEnd], as: UTF8.self) : nil
        hostRange = hostStart..<hostEnd
        return .success(())
    }

    private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.endIndex, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isLetter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
    private static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
}
