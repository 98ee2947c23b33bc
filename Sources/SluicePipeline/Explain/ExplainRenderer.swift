/// The formats `sluice explain` writes.
public enum ExplainFormat: String, Sendable, CaseIterable {
    /// Indented text for terminals.
    case text
    /// A Mermaid flowchart (renders in GitHub Markdown and most wikis).
    case mermaid
    /// Graphviz dot (`sluice explain f.yaml --format dot | dot -Tsvg > f.svg`).
    case dot
}

extension ExplainGraph {
    /// The graph in `format`; the output ends with a newline.
    public func render(_ format: ExplainFormat) -> String {
        switch format {
        case .text: renderText()
        case .mermaid: renderMermaid()
        case .dot: renderDot()
        }
    }

    private func vertex(_ id: String) -> Vertex? { vertices.first { $0.id == id } }

    private func renderText() -> String {
        var lines = ["pipeline \(pipeline) — \(partitions) partition\(partitions == 1 ? "" : "s")"]
        for (kind, heading) in [(VertexKind.source, "sources"), (.operator, "operators"), (.sink, "sinks"), (.output, "outputs")] {
            let group = vertices.filter { $0.kind == kind }
            guard !group.isEmpty else { continue }
            lines.append("")
            lines.append(heading)
            for v in group {
                let inputs = links.filter { $0.to == v.id }.compactMap { link in
                    vertex(link.from).map { $0.name + (link.label.isEmpty ? "" : " [\(link.label)]") }
                }
                var head = "  " + v.title
                if !inputs.isEmpty { head += " ← " + inputs.joined(separator: ", ") }
                lines.append(head)
                lines += v.details.map { "      " + $0 }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func renderMermaid() -> String {
        func escape(_ text: String) -> String {
            text.replacingAll(["\"": "#quot;", "<": "#lt;", ">": "#gt;"])
        }
        var lines = ["flowchart LR"]
        for v in vertices {
            let label = "\"" + ([escape(v.title)] + v.details.map(escape)).joined(separator: "<br/>") + "\""
            let shape = switch v.kind {
            case .source: "[(\(label))]"
            case .operator: "[\(label)]"
            case .sink: "[/\(label)/]"
            case .output: ">\(label)]"
            }
            lines.append("    \(v.id)\(shape)")
        }
        for link in links {
            let label = link.label.isEmpty ? "" : "|\"\(escape(link.label))\"|"
            lines.append("    \(link.from) -->\(label) \(link.to)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func renderDot() -> String {
        func quote(_ text: String) -> String { "\"" + text.replacingAll(["\\": "\\\\", "\"": "\\\""]) + "\"" }
        var lines = ["digraph \(quote(pipeline)) {", "    rankdir=LR;", "    node [fontname=\"Helvetica\", fontsize=10];",
            "    label=\(quote("\(pipeline) — \(partitions) partition\(partitions == 1 ? "" : "s")"));"]
        for v in vertices {
            let shape = switch v.kind {
            case .source: "cylinder"
            case .operator: "box"
            case .sink: "box3d"
            case .output: "note"
            }
            let label = ([v.title] + v.details).map { $0.replacingAll(["\\": "\\\\", "\"": "\\\""]) }.joined(separator: "\\l") + "\\l"
            lines.append("    \(v.id) [shape=\(shape), label=\"\(label)\"];")
        }
        for link in links {
            lines.append("    \(link.from) -> \(link.to)" + (link.label.isEmpty ? ";" : " [label=\(quote(link.label))];"))
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// The string with each key of `replacements` replaced by its value, in one pass.
    func replacingAll(_ replacements: [Character: String]) -> String {
        var result = ""
        for character in self {
            if let replacement = replacements[character] { result += replacement } else { result.append(character) }
        }
        return result
    }
}
