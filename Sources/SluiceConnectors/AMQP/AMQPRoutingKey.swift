public import SluiceCore

/// A routing key template: literal text with `{column}` placeholders replaced by each
/// row's value of that column (`alerts.{severity}`, `{agent_id}`); a null becomes `null`.
public struct AMQPRoutingKey: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case text(String)
        case column(String)
    }
    let pieces: [Piece]

    /// Parses `template`.
    /// - Throws: `SluiceError` `.invalidArgument` for an unclosed or empty `{}`.
    public init(_ template: String) throws {
        var pieces: [Piece] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { pieces.append(.text(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}"), rest.index(after: open) < close else {
                throw SluiceErrorFactory.invalid("routing key '\(template)': a '{' without a column name and '}'")
            }
            pieces.append(.column(String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        self.pieces = pieces
    }

    /// The key for one JSON object's fields (a loading tool's path; nil fields as `null`).
    public func key(fields: [String: String]) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): text
            case .column(let name): fields[name] ?? "null"
            }
        }.joined()
    }

    /// The columns the template reads.
    public var columns: [String] { pieces.compactMap { if case .column(let name) = $0 { name } else { nil } } }

    /// The key of every row of `batch`.
    public func keys(for batch: Batch) throws -> [String] {
        let indices = try pieces.map { piece -> Int? in
            guard case .column(let name) = piece else { return nil }
            guard let index = batch.schema.fields.firstIndex(where: { $0.name == name }) else {
                throw SluiceError(.schemaMismatch, "routing key column '\(name)' is not in the rows (\(batch.schema.fields.map(\.name)))")
            }
            return index
        }
        return (0..<batch.count).map { row in
            var key = ""
            for (piece, index) in zip(pieces, indices) {
                switch piece {
                case .text(let text): key += text
                case .column:
                    let value = batch.value(row: row, column: index!)
                    switch value {
                    case .null: key += "null"
                    case .string(let s): key += s
                    case .int(let v), .timestamp(let v): key += String(v)
                    case .double(let d): key += String(d)
                    case .bool(let b): key += b ? "true" : "false"
                    }
                }
            }
            return key
        }
    }
}
