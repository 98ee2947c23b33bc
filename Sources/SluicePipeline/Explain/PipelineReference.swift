import SluiceOperators

/// The reference of the pipeline file format (`docs/PIPELINES.md`), rendered from the
/// declarations the checker itself uses: `PipelineSchema` (every key, its type, default,
/// description and example), `AggregateFunctions`, `ConnectorKind.all` and
/// `ExpressionReference`. A key added to the format shows up here with nothing else to
/// edit; a test keeps the committed file equal to this text and loads every example.
public enum PipelineReference {
    /// The whole reference as Markdown.
    public static func markdown() -> String {
        var out = """
            # Pipeline files: the reference

            <!-- Generated from the schema in Sources/SluicePipeline (PipelineReference.markdown()). \
            Do not edit: run `SLUICE_REGENERATE_DOCS=1 swift test --filter PipelineReferenceTests` \
            or `sluice schema > docs/PIPELINES.md`. -->

            A pipeline file is YAML in one of two forms. The **linear form** has one `source`, a list
            of `steps` and one `sink`; the **graph form** has named `sources`, `nodes` and `sinks`, for
            joins, unions and branches. Any scalar may use `${VAR}` or `${VAR:-default}` to read the
            environment. `sluice validate FILE` checks a file without running it and reports every
            error as `file:line:column`. Every example below is loaded by a test, completed where
            needed with a DAA generator source, event time `ts` and a `stdout:` sink.

            Durations are \(DurationSyntax.expected).

            """
        out += "\n## Contents\n\n"
        let specs = objectSpecs()
        for (title, _) in specs { out += "- [\(title)](#\(anchor(title)))\n" }
        for title in ["Aggregate functions", "Connectors", "Expressions"] { out += "- [\(title)](#\(anchor(title)))\n" }
        var shown: Set<String> = []
        for (title, spec) in specs { out += "\n" + section(title, spec, shown: &shown) }
        out += "\n" + aggregates() + "\n" + connectors() + "\n" + expressions()
        return out
    }

    // MARK: The format's mappings

    /// Every mapping of the format, in the order a reader meets them, with a title
    /// (`join.window` where a name is used twice).
    static func objectSpecs() -> [(title: String, spec: ObjectSpec)] {
        var found: [(String, ObjectSpec)] = []
        var seen: Set<String> = []
        var titles: Set<String> = []
        func visit(_ type: ValueType, parent: String) {
            switch type {
            case .object(let spec):
                guard seen.insert(spec.name + ":" + spec.keys.map(\.name).joined(separator: ",")).inserted else { return }
                let title = titles.contains(spec.name) ? "\(parent).\(spec.name)" : spec.name
                titles.insert(title)
                found.append((title, spec))
                for key in spec.keys { visit(key.type, parent: spec.name) }
            case .list(let element), .namedMap(let element): visit(element, parent: parent)
            case .either(let a, let b):
                visit(a, parent: parent)
                visit(b, parent: parent)
            default: break
            }
        }
        visit(.object(PipelineSchema.pipeline), parent: "")
        return found
    }

    /// Every example of the schema, with where it is shown (for the test that loads them).
    static func schemaExamples() -> [(label: String, example: SchemaExample)] {
        objectSpecs().flatMap { title, spec in
            spec.keys.compactMap { key in key.example.map { ("\(title).\(key.name)", $0) } }
                + (spec.example.map { [(title, $0)] } ?? [])
        }
    }

    private static func section(_ title: String, _ spec: ObjectSpec, shown: inout Set<String>) -> String {
        var out = "## \(title)\n\n\(spec.doc)"
        if let rule = spec.groupRule { out += " Rule: \(rule)." }
        out += "\n\n| key | value | default | description |\n|---|---|---|---|\n"
        for key in spec.keys {
            let value = cell(key.type.expectation)
            let fallback = key.required ? "required" : key.defaultValue.map { "`\(cell($0))`" } ?? ""
            out += "| `\(key.name)` | \(value) | \(fallback) | \(cell(key.doc)) |\n"
        }
        for key in spec.keys {
            guard let example = key.example, shown.insert(example.yaml).inserted else { continue }
            out += "\n`\(key.name)`:\n\n" + yamlBlock(example.yaml)
        }
        if let example = spec.example, shown.insert(example.yaml).inserted {
            out += "\nExample:\n\n" + yamlBlock(example.yaml)
        }
        return out
    }

    // MARK: Aggregates

    /// The aggregate entry of `function` as a step list that loads.
    static func example(of function: AggregateFunctionSpec) -> SchemaExample {
        .steps("- key_by: [agent_id]\n- window: { tumbling: 1m }\n- aggregate:\n    \(function.example)")
    }

    private static func aggregates() -> String {
        var out = """
            ## Aggregate functions

            Written as `output: function(argument)` under `aggregate` or `fold`; the argument is an
            expression. Nulls are ignored (`count()` counts rows). A call with a comma must be quoted
            in a `{ ... }` mapping.

            | function | description | example |
            |---|---|---|

            """
        for function in AggregateFunctions.all {
            out += "| `\(function.call)` | \(cell(function.doc)) | `\(cell(function.example))` |\n"
        }
        let synonyms = AggregateFunctions.synonyms.keys.sorted().map { "`\($0)` → `\(AggregateFunctions.synonyms[$0]!.rawValue)`" }
        out += "\nNames from other engines are suggested: " + synonyms.joined(separator: ", ") + ".\n"
        return out
    }

    // MARK: Connectors

    /// Where a connector URI goes to be used as `role`, as a snippet that loads.
    static func example(uri: String, kind: ConnectorKind, role: ConnectorRoles) -> SchemaExample {
        let quoted = "\"\(uri)\""
        // A source's schema depends on its URI (generator:w1 has no `type`): keep every row.
        if role.contains(.source) { return .topLevel("source: { uri: \(quoted) }\nsteps:\n  - filter: \"true\"") }
        if role.contains(.sink) {
            guard kind.keepsViews else { return .topLevel("sink: { uri: \(quoted) }") }
            return .topLevel(
                "steps:\n  - key_by: [agent_id]\n  - fold: { events: count() }\nsink: { uri: \(quoted), view: agent_events, key: [agent_id] }")
        }
        return .topLevel("dead_letter: { uri: \(quoted) }")
    }

    /// The first use of `roles`, in the order source, sink, dead letter.
    static func firstRole(_ roles: ConnectorRoles) -> ConnectorRoles {
        [.source, .sink, .deadLetter].first { roles.contains($0) } ?? .sink
    }

    /// A URI of `kind` carrying only `parameter` (its example value).
    static func parameterExample(_ kind: ConnectorKind, _ parameter: ConnectorParameter, path: String?) -> String {
        let base = path.map { "\(kind.scheme):\($0)" } ?? String(kind.example.prefix { $0 != "?" })
        return "\(base)?\(parameter.name)=\(parameter.example)"
    }

    /// Every parameter of every connector, with the URI that shows it.
    static func parameterExamples() -> [(kind: ConnectorKind, parameter: ConnectorParameter, uri: String)] {
        ConnectorKind.all.flatMap { kind in
            kind.parameters.map { (kind, $0, parameterExample(kind, $0, path: nil)) }
                + kind.parametersByPath.keys.sorted().flatMap { path in
                    kind.parametersByPath[path]!.map { (kind, $0, parameterExample(kind, $0, path: path)) }
                }
        }
    }

    private static func connectors() -> String {
        var out = """
            ## Connectors

            A `uri` names a connector by its scheme: opaque (`scheme:path?name=value&...`) or
            hierarchical (`scheme://user:${PASSWORD}@host:port/path?...`). Passwords and other
            secrets must come from the environment.

            """
        let examples = parameterExamples()
        for kind in ConnectorKind.all {
            out += "\n### `\(kind.scheme):`\n\n\(kind.summary)\n\n"
            out += "- Used as: \(roleNames(kind.roles))\n"
            if !kind.isAvailable { out += "- Recognised and validated; not runnable in this build\n" }
            switch kind.path {
            case .empty: out += "- Form: `\(kind.scheme):` with nothing after the colon\n"
            case .required(let what): out += "- Form: `\(kind.scheme)\(kind.isHierarchical ? "://" : ":")…`, \(what)\n"
            case .oneOf(let choices): out += "- Form: " + choices.map { "`\(kind.scheme):\($0)`" }.joined(separator: " or ") + "\n"
            }
            if kind.isHierarchical, case .empty = kind.path { out += "- Form: `\(kind.scheme)://host[:port][/path]`\n" }
            out += "- Example: `\(kind.example)`\n"
            let own = examples.filter { $0.kind.scheme == kind.scheme }
            guard !own.isEmpty else { continue }
            out += "\n| parameter | value | for | description | example |\n|---|---|---|---|---|\n"
            for (_, parameter, uri) in own {
                out += "| `\(parameter.name)` | \(parameter.valuesDescription) | \(roleNames(parameter.roles.intersection(kind.roles))) | \(cell(parameter.doc)) | `\(cell(uri))` |\n"
            }
        }
        return out
    }

    private static func roleNames(_ roles: ConnectorRoles) -> String {
        var names: [String] = []
        if roles.contains(.source) { names.append("source") }
        if roles.contains(.sink) { names.append("sink") }
        if roles.contains(.deadLetter) { names.append("dead letter") }
        return names.joined(separator: ", ")
    }

    // MARK: Expressions

    private static func expressions() -> String {
        var out = """
            ## Expressions

            `filter`, `map`, branch conditions and aggregate arguments are expressions over the fields
            of one row, SQL-like and evaluated a batch at a time. Keywords and function names are
            case-insensitive; field names are not. Types: `int` (64-bit), `double`, `bool`, `string`,
            `timestamp` (epoch milliseconds, UTC); an int meets a double as a double, a timestamp plus
            or minus an int (milliseconds) is a timestamp, a timestamp minus a timestamp is an int.
            Nothing traps: null in gives null out (except `and`/`or`, `is null`, `coalesce`, `concat`,
            `least`, `greatest`), and overflow, division by zero, NaN and failed casts give null.
            Conditions must be bool. Precedence, loosest first: `or`; `and`; `not`; comparisons, `is`,
            `in`, `between`; `||`; `+ -`; `* / %`; unary `-`. In YAML, quote an expression that
            contains `: `, `#`, a comma inside `{ ... }`, or starts with a quote.

            | syntax | meaning | example |
            |---|---|---|

            """
        for entry in ExpressionReference.syntax {
            out += "| `\(cell(entry.syntax))` | \(cell(entry.doc)) | `\(cell(entry.example))` |\n"
        }
        out += "\n### Functions\n\n| function | description | example |\n|---|---|---|\n"
        for entry in ExpressionReference.functions {
            out += "| `\(cell(entry.syntax))` | \(cell(entry.doc)) | `\(cell(entry.example))` |\n"
        }
        return out
    }

    // MARK: Markdown

    private static func yamlBlock(_ yaml: String) -> String { "```yaml\n\(yaml)\n```\n" }

    /// Text safe in a table cell.
    private static func cell(_ text: String) -> String { text.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }

    /// GitHub's anchor for a heading.
    private static func anchor(_ title: String) -> String {
        String(title.lowercased().compactMap { $0 == " " ? "-" : ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : nil })
    }
}
