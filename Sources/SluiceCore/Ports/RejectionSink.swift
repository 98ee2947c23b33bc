/// Where records that could not be decoded go (the dead-letter destination).
///
/// Like a `Sink`, it commits by epoch: rejections of epoch N are durable once
/// `commit(epoch:)` returns, and only then are the source positions acknowledged, so a
/// bad record is never lost between the broker and the dead-letter store.
public protocol RejectionSink: AnyObject, Sendable {
    func write(_ rejections: [Rejection], source: String) throws
    func commit(epoch: Epoch) throws
    func close() throws
}
