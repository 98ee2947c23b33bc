import Testing

@testable import SluicePipeline

/// One test per malformed pipeline file. Each file starts with the errors it must
/// produce, one per line, exactly as `sluice validate` prints them without the path:
///
/// ```
/// # expect: 7:13: unknown field 'agnet_id' — did you mean 'agent_id'?
/// ```
///
/// The file must produce exactly those errors (warnings are not listed) and no spec.
@Suite struct InvalidPipelineTests {
    @Test(arguments: FixtureFiles.pipelines("invalid"))
    func reportsExactlyTheExpectedErrors(_ name: String) throws {
        let path = FixtureFiles.path("invalid", name)
        let text = try FixtureFiles.text("pipelines/invalid/\(name)")
        let expected = text.split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { $0.hasPrefix("#") }
            .compactMap { line -> String? in
                line.hasPrefix("# expect: ") ? String(line.dropFirst("# expect: ".count)) : nil
            }
        #expect(!expected.isEmpty, "\(name) has no '# expect:' header")
        let load = FixtureFiles.loader.load(contentsOf: path)
        #expect(load.spec == nil)
        let actual = load.diagnostics.sorted.filter { $0.severity == .error }.map { diagnostic in
            (diagnostic.location.map { "\($0.line):\($0.column): " } ?? "") + diagnostic.message
        }
        #expect(actual == expected, "\n\(load.rendered)")
    }

    @Test func thereAreAtLeastThirtyInvalidFixtures() {
        #expect(FixtureFiles.pipelines("invalid").count >= 30)
    }
}
