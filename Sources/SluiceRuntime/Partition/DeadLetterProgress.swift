import SluiceCore

/// A partition's channel into the dead-letter sink: operators reject rows (a key column
/// is null), so the dead-letter sink must see this partition's barrier N only after every
/// vertex of the partition has passed N — then every rejection of epoch N is ahead of it
/// and commits with the epoch.
struct DeadLetterProgress {
    private let vertexCount: Int
    private var passed: [UInt64: Set<Int>] = [:]
    private var finished: Set<Int> = []
    private var stopped = false
    private var closed = false

    init(vertexCount: Int) { self.vertexCount = vertexCount }

    /// Vertex `v` passed barrier `epoch`; returns the barriers now due, in order.
    mutating func passedBarrier(_ epoch: Epoch, vertex v: Int) -> [ChannelPayload] {
        passed[epoch.value, default: []].insert(v)
        return due()
    }

    /// Vertex `v` will pass no more barriers (its inputs closed); returns what is due,
    /// ending with `.end` or `.stop` once every vertex has finished.
    mutating func finished(vertex v: Int, stopped didStop: Bool) -> [ChannelPayload] {
        finished.insert(v)
        if didStop { stopped = true }
        var out = due()
        if !closed, finished.count == vertexCount {
            closed = true
            out.append(stopped ? .stop : .end)
        }
        return out
    }

    private mutating func due() -> [ChannelPayload] {
        var out: [ChannelPayload] = []
        for epoch in passed.keys.sorted() where passed[epoch]!.union(finished).count == vertexCount {
            passed.removeValue(forKey: epoch)
            out.append(.barrier(Epoch(epoch)))
        }
        return out
    }
}
