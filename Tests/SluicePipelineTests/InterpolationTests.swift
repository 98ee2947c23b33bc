import Testing

@testable import SluicePipeline

@Suite struct InterpolationTests {
    private func run(_ text: String, _ environment: [String: String]) -> (SpannedText, Diagnostics) {
        var diagnostics = Diagnostics()
        let input = ScalarLayout.spannedValue(
            text, style: .plain, startingAt: FileLocation(line: 3, column: 10), in: SourceText("\n\n         " + text))
        let output = Interpolator(environment: environment).interpolate(input, diagnostics: &diagnostics)
        return (output, diagnostics)
    }

    @Test func substitutesSetVariable() {
        let (text, diagnostics) = run("${HOST}:5672", ["HOST": "mq.local"])
        #expect(text.string == "mq.local:5672")
        #expect(diagnostics.isEmpty)
        #expect(text.isEntirelyFromEnvironment(utf8Range: 0..<8))
        #expect(!text.containsEnvironmentText(utf8Range: 8..<13))
        // The literal part keeps its own columns after a substitution of another length.
        #expect(text.location(atUTF8Offset: 8) == FileLocation(line: 3, column: 17))
        #expect(text.location(atUTF8Offset: 0) == FileLocation(line: 3, column: 10))
    }

    @Test func defaultUsedWhenUnsetOrEmpty() {
        #expect(run("${DAA_EVENTS:-generator:daa}", [:]).0.string == "generator:daa")
        #expect(run("${DAA_EVENTS:-generator:daa}", ["DAA_EVENTS": ""]).0.string == "generator:daa")
        #expect(run("${DAA_EVENTS:-generator:daa}", ["DAA_EVENTS": "file:x.ndjson"]).0.string == "file:x.ndjson")
        let (text, _) = run("${A:-abc}", [:])
        // A default is written in the file: it keeps its positions and is not "environment".
        #expect(text.location(atUTF8Offset: 1) == FileLocation(line: 3, column: 16))
        #expect(!text.containsEnvironmentText(utf8Range: 0..<3))
    }

    @Test func nestedDefaults() {
        #expect(run("${A:-${B:-x}y}", ["B": "b"]).0.string == "by")
        #expect(run("${A:-${B:-x}y}", [:]).0.string == "xy")
        #expect(run("${A:-${B:-x}y}", ["A": "a"]).0.string == "a")
    }

    @Test func undefinedVariableIsAnErrorAtItsDollar() {
        let (_, diagnostics) = run("prefix ${MISSING} ${ALSO_MISSING}", [:])
        #expect(diagnostics.items.map(\.location) == [FileLocation(line: 3, column: 17), FileLocation(line: 3, column: 28)])
        #expect(
            diagnostics.items.first?.message
                == "undefined variable 'MISSING': set it in the environment or give a default with ${MISSING:-value}")
    }

    @Test func escapedDollarBraceIsLiteral() {
        let (text, diagnostics) = run("cost $${HOME} ${X:-1}", [:])
        #expect(text.string == "cost ${HOME} 1")
        #expect(diagnostics.isEmpty)
    }

    @Test func malformedReferences() {
        #expect(run("${1X}", [:]).1.items.map(\.message) == ["invalid variable reference: expected a name after '${' (letters, digits, '_')"])
        #expect(run("${X", [:]).1.items.map(\.message) == ["invalid variable reference '${X': expected '}' or ':-default}'"])
        #expect(run("${X:-abc", [:]).1.items.map(\.message) == ["unterminated variable reference '${X': missing '}'"])
    }

    @Test func plainDollarsAreKept() {
        #expect(run("$5 and $HOME", [:]).0.string == "$5 and $HOME")
    }
}
