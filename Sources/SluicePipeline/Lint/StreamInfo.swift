import SluiceCore

/// What the checker knows about a stream: its fields, whether it is keyed or windowed
/// (the type-state of Flink's DataStream → KeyedStream → WindowedStream), and its event time.
struct StreamInfo {
    enum State {
        case plain
        /// After `key_by`: only a window, aggregate, fold or join may read it.
        case keyed([String])
        /// After `window`: only an aggregate may read it. The window is nil when its
        /// settings were rejected (already reported).
        case windowed([String], WindowDecl?)
    }

    var schema: Schema
    var state: State = .plain
    /// The event-time field and its bounds, when the stream has event time.
    var eventTime: EventTimeDecl?
    /// The source or node producing it, for messages.
    var producer: String
    /// The stream the runtime will actually carry. A `key_by` or `window` node only
    /// declares how the next operator groups rows, so it is fused into that operator and
    /// its output's origin is its own input.
    var origin: StreamSpec

    /// The same stream with a different schema, keeping event time only if its field
    /// survived as a timestamp.
    func reshaped(_ schema: Schema) -> StreamInfo {
        var copy = self
        copy.schema = schema
        copy.state = .plain
        if let eventTime, schema.field(named: eventTime.field.value)?.type != .timestamp { copy.eventTime = nil }
        return copy
    }
}

extension Schema {
    /// The field names, for suggestions.
    var fieldNames: [String] { fields.map(\.name) }
}
