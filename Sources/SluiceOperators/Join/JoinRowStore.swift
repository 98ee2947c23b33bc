import SluiceCore

/// The rows one side of a join keeps, as flat column buffers indexed by row number.
///
/// Rows are only appended; a row that can no longer join is marked dead. Operators rebuild
/// the store from its live rows (`liveRows`) once dead rows outnumber live ones, which keeps
/// memory within about twice the live state at an amortized O(1) cost per row.
struct JoinRowStore: Sendable {
    let schema: Schema
    private var columns: [JoinColumnBuffer]
    private(set) var alive: [Bool] = []
    private(set) var liveCount = 0

    init(schema: Schema) {
        self.schema = schema
        columns = schema.fields.map { JoinColumnBuffer(type: $0.type) }
    }

    /// Rows held, live or dead.
    var count: Int { alive.count }
    var deadCount: Int { alive.count - liveCount }

    /// Appends `rows` of `batch` (this store's schema); returns the index of the first.
    mutating func append(_ batch: Batch, rows: [Int32]) -> Int32 {
        let first = Int32(alive.count)
        for c in columns.indices { columns[c].append(batch.columns[c], rows: rows) }
        alive.append(contentsOf: repeatElement(true, count: rows.count))
        liveCount += rows.count
        return first
    }

    mutating func kill(_ row: Int32) {
        guard alive[Int(row)] else { return }
        alive[Int(row)] = false
        liveCount -= 1
    }

    /// The given rows as batch columns (compact string dictionaries).
    mutating func gather(_ rows: [Int32]) -> [Column] {
        columns.indices.map { columns[$0].gather(rows) }
    }

    /// Every live row, in row order, and the store indices they had.
    mutating func liveRows() -> (batch: Batch, indices: [Int32]) {
        var indices: [Int32] = []
        indices.reserveCapacity(liveCount)
        for (row, isAlive) in alive.enumerated() where isAlive { indices.append(Int32(row)) }
        return (Batch(schema: schema, columns: gather(indices), count: indices.count), indices)
    }

    /// Whether a join with these two sides should rebuild from its live rows. Rebuilding
    /// costs O(live + dead); doing it once dead rows outnumber live ones keeps the cost
    /// O(1) per row and memory within about twice the live state.
    static func worthRebuilding(_ left: JoinRowStore, _ right: JoinRowStore) -> Bool {
        let live = left.liveCount + right.liveCount
        let dead = left.deadCount + right.deadCount
        return dead > 0 && (live == 0 || dead >= max(live, 64))
    }
}
