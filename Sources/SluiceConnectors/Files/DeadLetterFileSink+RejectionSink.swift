public import SluiceCore

/// The dead-letter file takes part in epochs: committing flushes and fsyncs it, so a bad
/// record's line is durable before its source position is acknowledged.
extension DeadLetterFileSink: RejectionSink {
    public func commit(epoch: Epoch) throws { try flush() }
}
