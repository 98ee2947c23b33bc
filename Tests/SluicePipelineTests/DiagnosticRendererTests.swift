import Testing

@testable import SluicePipeline

@Suite struct DiagnosticRendererTests {
    @Test func gccStyleWithCaretAndRange() {
        let source = "pipeline: x\nsteps:\n  - windw: { tumbling: 10s }\n"
        let renderer = DiagnosticRenderer(path: "p.yaml", source: source)
        let text = renderer.render(.error(at: FileLocation(line: 3, column: 5), length: 5, "unknown key 'windw' — did you mean 'window'?"))
        #expect(
            text == """
                p.yaml:3:5: error: unknown key 'windw' — did you mean 'window'?
                  - windw: { tumbling: 10s }
                    ^~~~~
                """)
    }

    @Test func tabsInIndentationKeepTheCaretAligned() {
        let renderer = DiagnosticRenderer(path: "p.yaml", source: "a:\n\tb: c\n")
        #expect(renderer.render(.warning(at: FileLocation(line: 2, column: 5), "w")) == "p.yaml:2:5: warning: w\n\tb: c\n\t   ^")
    }

    @Test func fileLevelDiagnosticsHaveNoPosition() {
        let renderer = DiagnosticRenderer(path: "gone.yaml", source: nil)
        #expect(renderer.render(.error(at: nil, "cannot read the file")) == "gone.yaml: error: cannot read the file")
    }

    @Test func renderingSortsByPositionAndDropsDuplicates() {
        var diagnostics = Diagnostics()
        diagnostics.error(at: FileLocation(line: 2, column: 1), "second")
        diagnostics.error(at: FileLocation(line: 1, column: 3), "first")
        diagnostics.error(at: FileLocation(line: 2, column: 1), "second")
        let renderer = DiagnosticRenderer(path: "f", source: nil)
        #expect(renderer.render(diagnostics) == "f:1:3: error: first\nf:2:1: error: second")
    }
}
