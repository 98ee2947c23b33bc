public import SluiceCore

/// Consumer lag of a RabbitMQ source: messages ready on its queues (not those delivered
/// and awaiting acknowledgement), probed at most every 2 s.
extension AMQPSource: LagReporting {
    public var consumerLag: ConsumerLag? {
        lagProbe.messagesReady.map { ConsumerLag(unit: "messages", amount: $0) }
    }
}
