/// Tracks the watermark of one input: the max event time seen minus the declared
/// out-of-orderness bound. The watermark never moves backwards.
public struct WatermarkTracker: Sendable, Equatable {
    public let maxOutOfOrderness: Int64
    public private(set) var maxEventTime: EventTime = .beginningOfTime
    public private(set) var current: EventTime = .beginningOfTime

    public init(maxOutOfOrdernessMillis: Int64) { maxOutOfOrderness = maxOutOfOrdernessMillis }

    /// Observes a batch's event times; returns true when the watermark advanced.
    @discardableResult
    public mutating func observe(maxTime: EventTime) -> Bool {
        guard maxTime > maxEventTime else { return false }
        maxEventTime = maxTime
        let candidate = maxTime == .endOfTime ? .endOfTime : maxTime &- maxOutOfOrderness
        if candidate > current {
            current = candidate
            return true
        }
        return false
    }

    /// Jumps to +infinity: the input has ended.
    public mutating func finish() {
        maxEventTime = .endOfTime
        current = .endOfTime
    }

    public mutating func restore(maxEventTime: EventTime, current: EventTime) {
        self.maxEventTime = maxEventTime
        self.current = current
    }
}

/// Combines the watermarks of several inputs: the combined watermark is their minimum,
/// because an operator may only consider time passed once every input has passed it.
public struct WatermarkCombiner: Sendable, Equatable {
    public private(set) var inputs: [EventTime]

    public init(inputs: Int) { self.inputs = [EventTime](repeating: .beginningOfTime, count: inputs) }

    public var current: EventTime { inputs.min() ?? .beginningOfTime }

    /// Records input `i`'s watermark; returns the new combined watermark if it advanced.
    public mutating func update(input i: Int, to watermark: EventTime) -> EventTime? {
        let before = current
        if watermark > inputs[i] { inputs[i] = watermark }
        let after = current
        return after > before ? after : nil
    }
}
