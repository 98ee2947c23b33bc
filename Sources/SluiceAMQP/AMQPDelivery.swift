/// One message delivered to a consumer, copied out of librabbitmq's buffers.
public struct AMQPDelivery: Sendable {
    /// The tag to acknowledge it with, meaningful only on the channel it came from.
    public var deliveryTag: UInt64
    /// True when the broker delivered it before (to this or another consumer).
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String
    /// The `content-type` property, when set.
    public var contentType: String?
    /// String-valued headers (others are not copied).
    public var headers: [String: String]
    public var body: [UInt8]
}
