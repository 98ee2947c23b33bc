import SluiceCore

/// What travels on a channel between a producer (source split, partition) and a consumer.
enum ChannelPayload: Sendable {
    /// Rows of a batch: all of them, or only `rows` (ascending) — how a source's exchange
    /// hands each partition its share of one shared batch instead of copying it.
    /// `origin`: the watermark that preceded the rows on their way from their source
    /// split (`AlignedEvent.batch`); nil from a split itself, whose channel's own watermark
    /// is that.
    case batch(Batch, rows: [Int32]?, origin: EventTime? = nil)
    /// Records a source could not decode, bound for the dead-letter sink.
    case rejections([Rejection], source: String)
    /// The producer's watermark advanced.
    case watermark(EventTime)
    /// Epoch marker: everything before it belongs to epoch N or earlier.
    case barrier(Epoch)
    /// The producer went idle (true) or came back (false); idle producers do not hold
    /// back the watermark.
    case idle(Bool)
    /// Bounded input ended: the watermark of this channel is +infinity.
    case end
    /// The producer stopped without reaching the end (graceful shutdown of a stream).
    case stop
}

/// What the aligner releases to the operator, in order.
enum AlignedEvent: Sendable {
    /// `channel` is the one it arrived on: a source batch's credit goes back to that
    /// channel's split only now, after a barrier alignment that held it has ended.
    /// `origin` is the watermark the rows' source split had sent before them (passed on by
    /// every vertex on the way), or for rows a vertex made on a watermark, tick or end, the
    /// watermark that vertex had sent before: what lateness is judged against, so that it
    /// does not depend on how far other splits or partitions happen to be.
    case batch(input: Int, channel: Int, Batch, rows: [Int32]?, origin: EventTime)
    case rejections([Rejection], source: String)
    case watermark(EventTime)
    case barrier(Epoch)
    /// Every channel ended.
    case end
    /// Every channel is closed and at least one stopped rather than ended.
    case stop
}
