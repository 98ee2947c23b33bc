public import SluiceCore

/// One window holding state for a key: `[start, end)` (nil bounds for the unwindowed
/// fold), and whether it has fired (then it is kept only for late updates, until the
/// watermark passes `end + allowedLateness`).
public struct KeyWindow: Sendable, Equatable {
    public var start: Int64?
    public var end: Int64?
    public var fired: Bool

    public init(start: Int64?, end: Int64?, fired: Bool) {
        self.start = start
        self.end = end
        self.fired = fired
    }
}

/// What a keyed operator holds for one key (`KeyStateInspecting`).
public struct KeyState: Sendable, Equatable {
    /// The operator's key columns, in order.
    public var keyColumns: [String]
    /// Whether the operator windows by event time (false: a running fold).
    public var windowed: Bool
    public var allowedLatenessMillis: Int64
    /// The watermark the operator last saw.
    public var watermark: EventTime
    /// The key's windows, by start; empty when this instance has no state for the key.
    public var windows: [KeyWindow]
}

/// A keyed operator that can say what state it holds for a key, without changing any
/// (no interning, no table insert). Called on the partition's own queue, between batches.
public protocol KeyStateInspecting: AnyObject {
    /// The state for the key whose columns read `values` (as text, in key-column order),
    /// or nil when the number of values does not match the operator's key columns.
    func keyState(for values: [String]) -> KeyState?
}

extension KeyedAggregateOperator: KeyStateInspecting {
    public func keyState(for values: [String]) -> KeyState? {
        guard values.count == keys.count else { return nil }
        let context = engine.context
        let words = context.encoder.lookUpWords(values, interner: context.interner)
        return KeyState(
            keyColumns: keys, windowed: window != nil, allowedLatenessMillis: allowedLatenessMillis,
            watermark: context.watermark, windows: words.flatMap { engine.windows(ofKey: $0) } ?? [])
    }
}

extension WindowedEngine {
    func windows(ofKey key: [UInt64]) -> [KeyWindow]? {
        let found = windows.filter { table in key.withUnsafeBufferPointer { table.keys.find($0) } != nil }
            .sorted { $0.start < $1.start }
            .map { KeyWindow(start: $0.start, end: $0.end, fired: $0.fired) }
        return found.isEmpty ? nil : found
    }
}

extension PaneEngine {
    /// Every unexpired window covering a pane that holds the key.
    func windows(ofKey key: [UInt64]) -> [KeyWindow]? {
        var starts = Set<Int64>()
        for pane in panes where key.withUnsafeBufferPointer({ pane.table.keys.find($0) }) != nil {
            for offset in 0..<panesPerWindow {
                guard let (start, end) = windowBounds(paneStart: pane.start, offset: offset) else { continue }
                if WindowMath.saturatingAdd(end, context.allowedLateness) > context.watermark { starts.insert(start) }
            }
        }
        guard !starts.isEmpty else { return nil }
        return starts.sorted().map { start in
            let end = WindowMath.saturatingAdd(start, size)
            return KeyWindow(start: start, end: end, fired: end <= context.watermark)
        }
    }
}

extension FoldEngine {
    func windows(ofKey key: [UInt64]) -> [KeyWindow]? {
        key.withUnsafeBufferPointer { table.keys.find($0) } == nil ? nil : [KeyWindow(start: nil, end: nil, fired: false)]
    }
}
