public import SluiceCore

extension KeyedAggregateOperator {
    static let snapshotTag = "keyed-aggregate"
    /// 2: sliding windows are stored as panes (version 1 stored one table per window).
    /// 3: each session also stores the bounds of the row it last emitted, so a restored
    /// operator still retracts that row when the session moves (version 2 is read as
    /// "fired sessions, and open ones under partial results, emitted their current bounds").
    /// 4: sums of doubles are exact (`ExactSum`: its words, scale and flags per slot, and
    /// a `WideSum`'s words after a wide one); up to 3 they were float sums, which are read
    /// as exactly those values.
    static let snapshotVersion: UInt32 = 4

    /// A text that differs between configurations whose state is not interchangeable.
    var configurationSignature: String {
        let windowText = window.map { "\($0)" } ?? "none"
        return "keys\(keys) time:\(timeField) window:\(windowText) lateness:\(allowedLatenessMillis) "
            + "partial:\(partialEveryMillis.map(String.init) ?? "none") \(engine.context.plan.layoutSignature)"
    }

    /// Writes the complete state: watermark, processing-time bookkeeping, and the groups
    /// with their aggregate states (sketches included), keys as values. Equal histories
    /// give equal bytes.
    public func snapshot(into writer: inout SnapshotWriter) {
        // About the state's size at once, instead of doubling through it (see SnapshotWriter);
        // a reused buffer usually has room already, and reserving more would replace it.
        let expected = writer.previousCount > 0 ? writer.previousCount + writer.previousCount / 8 : engine.stateBytes
        writer.reserveCapacity(writer.bytes.count + expected + 256)
        writer.beginSection(Self.snapshotTag, version: Self.snapshotVersion)
        writer.write(configurationSignature)
        let context = engine.context
        writer.write(context.watermark)
        writer.write(context.processingTime)
        writer.write(context.lastPartialTick != nil)
        writer.write(context.lastPartialTick ?? 0)
        engine.writeState(into: &writer)
    }

    /// Replaces the state with a snapshot of an operator of the same configuration.
    /// Counters are not restored. On error the operator is left empty.
    public func restore(from reader: inout SnapshotReader) throws {
        let version = try reader.expectSection(Self.snapshotTag, maxVersion: Self.snapshotVersion)
        if version < 2, engine is PaneEngine {
            throw SluiceError(
                .corruptSnapshot,
                "snapshot version \(version) stores sliding windows one table per window; this build keeps "
                    + "them as panes (version 2) and cannot restore it: restart the job without that checkpoint")
        }
        let signature = try reader.readString()
        guard signature == configurationSignature else {
            throw SluiceError(.corruptSnapshot, "snapshot of a different keyed aggregate: \(signature)")
        }
        var fresh = makeFreshEngine()
        fresh.context.watermark = try reader.readInt64()
        fresh.context.processingTime = try reader.readInt64()
        let hasTick = try reader.readBool()
        let tick = try reader.readInt64()
        fresh.context.lastPartialTick = hasTick ? tick : nil
        fresh.context.counters = engine.context.counters
        engine = fresh
        do {
            try engine.readState(from: &reader, version: version)
        } catch {
            let counters = engine.context.counters
            engine = makeFreshEngine()
            engine.context.counters = counters
            throw error
        }
    }
}
