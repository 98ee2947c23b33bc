import SluiceCore
import Synchronization

/// A sink that keeps nothing: it counts rows and adds up the `n` column, so a run can be
/// checked (`sum(count) == N`) without the sink costing anything measurable.
final class CountingSink: Sink {
    let name: String
    private let totals = Mutex<(rows: Int64, count: Int64)>((0, 0))

    init(name: String = "count") { self.name = name }

    func open(schema: Schema, mode: SinkMode) throws {}

    func write(_ batch: Batch) throws {
        var n: Int64 = 0
        if let column = batch.column(named: "n") { for v in column.ints { n += v } }
        totals.withLock {
            $0.rows += Int64(batch.count)
            $0.count += n
        }
    }

    func commit(epoch: Epoch) throws {}
    func close() throws {}

    var rows: Int64 { totals.withLock { $0.rows } }
    var countSum: Int64 { totals.withLock { $0.count } }
}
