import SluiceCore

/// The chunks a split's reader keeps in hand when it decodes with other threads
/// (`DecodeAhead`s): up to `DecodeAhead.jobsInFlight` started on each, then one decoded by
/// the reader meanwhile when every helper is full. Each call hands out the oldest, so
/// chunks come in input order whichever thread decoded them. Used by file splits and
/// archive splits.
///
/// A chunk read ahead keeps the row limit of the call that cut it: a caller that lowers
/// `maxRows` between calls gets the chunks in hand at the old limit first (none does:
/// `SplitDriver` passes one value per job). When cutting a chunk fails, the chunks cut
/// before it are handed out first, then the call after them throws.
struct DecodeAheadQueue<Cut> {
    /// A chunk in input order: decoded by the reader, or started on `DecodeAhead` (its
    /// rows come from `wait()`; `Cut` is what the reader needs to finish them).
    enum Step {
        case decoded(SourceChunk)
        case started(Cut, on: DecodeAhead)
    }

    private var queued: [Step] = []
    private var queuedEnd = false
    private var failure: (any Error)?

    /// The oldest chunk, after cutting chunks ahead with `cut` (given the helper with the
    /// fewest in flight to start the chunk on, or nil when all are full: decode it here); a
    /// started one is waited for on its decoder and completed by `finish`.
    mutating func next(
        aheads: [DecodeAhead], cut: (DecodeAhead?) throws -> Step, finish: (Cut, (Batch, [Rejection])) throws -> SourceChunk
    ) throws -> SourceChunk {
        while queued.count < aheads.count * DecodeAhead.jobsInFlight + 1 && !queuedEnd && failure == nil {
            do {
                let step = try cut(leastBusy(aheads))
                if case .decoded(.end) = step { queuedEnd = true }
                queued.append(step)
            } catch {
                failure = error
            }
        }
        guard !queued.isEmpty else {
            if let failure {
                self.failure = nil
                throw failure
            }
            return .end
        }
        switch queued.removeFirst() {
        case .decoded(let chunk): return chunk
        case .started(let cut, let ahead): return try finish(cut, ahead.wait())
        }
    }

    /// The helper with the fewest jobs in flight, nil when every one is full.
    private func leastBusy(_ aheads: [DecodeAhead]) -> DecodeAhead? {
        var best: DecodeAhead?
        for ahead in aheads where !ahead.isFull && ahead.inFlight < (best?.inFlight ?? .max) { best = ahead }
        return best
    }
}
