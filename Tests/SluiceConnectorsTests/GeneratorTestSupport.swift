import SluiceConnectors
import SluiceCore

/// Reading helpers shared by the generator tests.
enum GeneratorRead {
    /// Every batch of one split, read `maxRows` at a time until `.end`.
    static func batches(
        _ source: any Source, split: Int = 0, after position: SourcePosition? = nil, maxRows: Int = 4096
    ) throws -> [Batch] {
        let reader = try source.openSplit(split, resumingAfter: position)
        defer { reader.close() }
        var out: [Batch] = []
        while true {
            switch try reader.next(maxRows: maxRows) {
            case .data(let batch, let rejections):
                precondition(rejections.isEmpty, "a generator rejected records")
                out.append(batch)
            case .idle: continue
            case .end: return out
            }
        }
    }

    /// Column `name` of all batches as `Value`s, in order.
    static func values(_ batches: [Batch], _ name: String) -> [Value] {
        batches.flatMap { batch in
            let column = batch.column(named: name)!
            return (0..<batch.count).map { column.value(at: $0) }
        }
    }

    static func strings(_ batches: [Batch], _ name: String) -> [String?] {
        batches.flatMap { batch in
            let column = batch.column(named: name)!
            return (0..<batch.count).map { column.string(at: $0) }
        }
    }

    static func ints(_ batches: [Batch], _ name: String) -> [Int64] {
        batches.flatMap { $0.column(named: name)!.ints }
    }

    static func doubles(_ batches: [Batch], _ name: String) -> [Double?] {
        batches.flatMap { batch in
            let column = batch.column(named: name)!
            return (0..<batch.count).map { column.isValid($0) ? column.doubles[$0] : nil }
        }
    }

    /// Every column of all batches, by name: equal tables mean identical rows in order.
    static func table(_ batches: [Batch]) -> [String: [Value]] {
        var table: [String: [Value]] = [:]
        for name in batches.first?.schema.names ?? [] { table[name] = values(batches, name) }
        return table
    }
}
