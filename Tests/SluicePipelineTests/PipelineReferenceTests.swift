import Foundation
import SluiceExpr
import SluiceOperators
import Testing

@testable import SluicePipeline

/// `docs/PIPELINES.md` is rendered from the schema, and everything it shows loads.
@Suite struct PipelineReferenceTests {
    static let docsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/PIPELINES.md").path

    /// The environment examples load with: the credentials they take from it, nothing else.
    private let loader = PipelineLoader(environment: ["AMQP_PASSWORD": "secret", "PGPASSWORD": "secret"])

    private func expectLoads(_ example: SchemaExample, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let load = loader.load(text: example.document, path: label)
        #expect(
            load.succeeded && load.diagnostics.isEmpty, "\(label) does not load cleanly:\n\(example.document)\n\(load.rendered)",
            sourceLocation: sourceLocation)
    }

    @Test func committedReferenceIsCurrent() throws {
        let rendered = PipelineReference.markdown()
        if ProcessInfo.processInfo.environment["SLUICE_REGENERATE_DOCS"] == "1" {
            try rendered.write(toFile: Self.docsPath, atomically: true, encoding: .utf8)
        }
        let committed = try? String(contentsOfFile: Self.docsPath, encoding: .utf8)
        #expect(
            committed == rendered,
            "docs/PIPELINES.md is not the rendered schema: run SLUICE_REGENERATE_DOCS=1 swift test --filter PipelineReferenceTests (or sluice schema > docs/PIPELINES.md) and commit it")
    }

    @Test func everySchemaExampleLoads() {
        let examples = PipelineReference.schemaExamples()
        #expect(examples.count >= 50)
        for (label, example) in examples { expectLoads(example, label) }
    }

    /// "With an example each": every key of the mappings a reader starts from has its own,
    /// and every other mapping has one for the whole mapping or for each of its keys.
    @Test func everyKeyOrMappingHasAnExample() {
        let perKey: Set<String> = ["pipeline file", "event_time", "step", "window", "source", "sink"]
        for (title, spec) in PipelineReference.objectSpecs() {
            let missing = spec.keys.filter { $0.example == nil }.map(\.name)
            if perKey.contains(title) {
                #expect(missing.isEmpty, "\(title): keys without an example: \(missing)")
            } else {
                #expect(spec.example != nil || missing.isEmpty, "\(title) has no example (keys without one: \(missing))")
            }
        }
    }

    @Test func everyAggregateFunctionIsDocumentedWithAnExampleThatLoads() {
        let functions = AggregateFunctions.all
        #expect(functions.map(\.name) == AggregateKind.allNames)
        for function in functions {
            #expect(function.example.contains("\(function.name)("), "\(function.name)'s example does not call it")
            expectLoads(PipelineReference.example(of: function), "aggregate \(function.name)")
        }
        for (synonym, kind) in AggregateFunctions.synonyms {
            #expect(AggregateFunctions.suggestion(for: synonym) == kind)
        }
    }

    @Test func everyConnectorAndParameterExampleLoads() {
        for kind in ConnectorKind.all {
            expectLoads(PipelineReference.example(uri: kind.example, kind: kind, role: PipelineReference.firstRole(kind.roles)), kind.scheme)
        }
        let parameters = PipelineReference.parameterExamples()
        #expect(parameters.contains { $0.kind.scheme == "file" && $0.parameter.name == "max_bytes" })
        for (kind, parameter, uri) in parameters {
            let role = PipelineReference.firstRole(parameter.roles.intersection(kind.roles))
            expectLoads(PipelineReference.example(uri: uri, kind: kind, role: role), "\(kind.scheme) \(parameter.name)")
        }
    }

    @Test func everyExpressionFunctionIsDocumentedAndItsExampleCompiles() {
        let documented = ExpressionReference.functions.map(ExpressionReference.name(of:))
        #expect(documented == ExprFunctions.names, "the reference and the language disagree on the functions")
        for entry in ExpressionReference.functions + ExpressionReference.syntax {
            expectLoads(ExpressionReference.example(entry), "expression \(entry.example)")
        }
        for entry in ExpressionReference.functions {
            let name = ExpressionReference.name(of: entry)
            #expect(entry.example.contains("\(name)("), "the example of \(name) does not call it")
        }
    }

    @Test func theReferenceNamesEveryKeyFunctionAndConnector() {
        let text = PipelineReference.markdown()
        for (_, spec) in PipelineReference.objectSpecs() {
            for key in spec.keys { #expect(text.contains("| `\(key.name)` |"), "\(spec.name).\(key.name)") }
        }
        for kind in ConnectorKind.all { #expect(text.contains("### `\(kind.scheme):`")) }
        for name in ExprFunctions.names { #expect(text.contains("| `\(name)("), "\(name)") }
        #expect(text.contains("`file:events.ndjson?max_bytes=64MB`"))
    }

    @Test func anExampleThatDoesNotLoadIsCaught() {
        // The harness itself must be able to fail: a misspelt key is an error.
        let load = loader.load(text: SchemaExample.steps("- filtr: \"true\"").document)
        #expect(!load.succeeded)
    }
}

extension AggregateKind {
    static var allNames: [String] { allCases.map(\.rawValue) }
}
