import Testing

@testable import SluicePipeline

/// The format's declarative schema: every key documented, every group made of keys the
/// mapping declares, so lint messages and suggestions always have something to say.
@Suite struct PipelineSchemaTests {
    /// Every object spec reachable from the top of the format.
    static func allSpecs() -> [ObjectSpec] {
        var found: [ObjectSpec] = []
        var seen: Set<String> = []
        func visit(_ type: ValueType) {
            switch type {
            case .object(let spec):
                let identity = spec.name + ":" + spec.keys.map(\.name).joined(separator: ",")
                guard seen.insert(identity).inserted else { return }
                found.append(spec)
                for key in spec.keys { visit(key.type) }
            case .list(let element), .namedMap(let element): visit(element)
            case .either(let a, let b):
                visit(a)
                visit(b)
            default: break
            }
        }
        visit(.object(PipelineSchema.pipeline))
        return found
    }

    @Test func everyKeyIsDocumented() {
        let specs = Self.allSpecs()
        #expect(specs.count >= 15)
        for spec in specs {
            #expect(!spec.doc.isEmpty, "\(spec.name)")
            for key in spec.keys {
                #expect(key.doc.hasSuffix("."), "\(spec.name).\(key.name) needs a one-sentence doc")
            }
        }
    }

    @Test func exclusiveGroupsNameDeclaredKeys() {
        for spec in Self.allSpecs() {
            for key in spec.exclusiveGroups.flatMap({ $0 }) {
                #expect(spec.key(key) != nil, "\(spec.name) groups '\(key)' but does not declare it")
            }
            #expect(Set(spec.keys.map(\.name)).count == spec.keys.count, "\(spec.name) declares a key twice")
        }
    }

    @Test func defaultsParseAsTheirType() {
        for spec in Self.allSpecs() {
            for key in spec.keys {
                guard let value = key.defaultValue, case .duration = key.type else { continue }
                #expect(DurationSyntax.parseMillis(value) != nil, "\(spec.name).\(key.name) default '\(value)'")
            }
        }
    }
}
