import Testing

@testable import SluicePipeline

/// Positions inside YAML scalars must point at the character itself, whatever the
/// quoting style, because expression and URI errors are reported there.
@Suite struct ScalarLayoutTests {
    /// Reads `yaml` and returns the location of `needle`'s first byte inside the value of `key`.
    private func location(of needle: String, inValueOf key: String, yaml: String) throws -> FileLocation {
        var diagnostics = Diagnostics()
        let root = try #require(YAMLReader.read(SourceText(yaml), diagnostics: &diagnostics))
        #expect(diagnostics.isEmpty, "\(diagnostics.items)")
        let scalar = try #require(root[key]?.scalar)
        let range = try #require(scalar.text.string.utf8.firstRange(of: needle.utf8))
        let offset = scalar.text.string.utf8.distance(from: scalar.text.string.utf8.startIndex, to: range.lowerBound)
        return scalar.text.location(atUTF8Offset: offset)
    }

    @Test func plainScalar() throws {
        let yaml = "a: 1\nfilter: type == 'metric' and value > 5\n"
        #expect(try location(of: "value", inValueOf: "filter", yaml: yaml) == FileLocation(line: 2, column: 30))
    }

    @Test func singleQuotedWithDoubledQuote() throws {
        let yaml = "filter: 'type == ''metric'' and valu > 5'\n"
        // 'filter: ' is 8 columns, the quote is column 9; the doubled quotes count twice.
        #expect(try location(of: "valu", inValueOf: "filter", yaml: yaml) == FileLocation(line: 1, column: 33))
    }

    @Test func doubleQuotedWithEscapes() throws {
        let yaml = "filter: \"a == \\\"x\\\" or \\u00e9 == b\"\n"
        // filter: "a == \"x\" or \u00e9 == b"
        // 1234567890123456789012345678901234
        #expect(try location(of: "or", inValueOf: "filter", yaml: yaml) == FileLocation(line: 1, column: 21))
        #expect(try location(of: "b", inValueOf: "filter", yaml: yaml) == FileLocation(line: 1, column: 34))
    }

    @Test func foldedPlainScalarAcrossLines() throws {
        let yaml = "filter: type == 'metric'\n  and agnet_id != ''\n"
        #expect(try location(of: "agnet_id", inValueOf: "filter", yaml: yaml) == FileLocation(line: 2, column: 7))
    }

    @Test func literalBlockScalar() throws {
        let yaml = "filter: |\n  type == 'metric'\n    and score > 1\n"
        #expect(try location(of: "score", inValueOf: "filter", yaml: yaml) == FileLocation(line: 3, column: 9))
    }

    @Test func foldedBlockScalar() throws {
        let yaml = "filter: >-\n  case when a\n  then b end\n"
        #expect(try location(of: "then", inValueOf: "filter", yaml: yaml) == FileLocation(line: 3, column: 3))
    }

    @Test func flowMappingValue() throws {
        let yaml = "x: { filter: \"b > 2\", y: 1 }\n"
        #expect(try location(of: "2", inValueOf: "x", yaml: "x: \"b > 2\"\n") == FileLocation(line: 1, column: 9))
        var diagnostics = Diagnostics()
        let root = try #require(YAMLReader.read(SourceText(yaml), diagnostics: &diagnostics))
        let scalar = try #require(root["x"]?["filter"]?.scalar)
        #expect(scalar.text.location(atUTF8Offset: 4) == FileLocation(line: 1, column: 19))
    }

    @Test func nonASCIIColumnsCountCharacters() throws {
        let yaml = "note: 'héllo wörld'\nfilter: name == 'é' or x\n"
        // UTF-8 offsets are bytes; columns are characters.
        #expect(try location(of: "wörld", inValueOf: "note", yaml: yaml) == FileLocation(line: 1, column: 14))
        #expect(try location(of: "x", inValueOf: "filter", yaml: yaml) == FileLocation(line: 2, column: 24))
    }
}
