import SluiceCore

/// Snapshot form of group keys and tables.
///
/// Keys are written as values (strings as strings, never interner codes), column by
/// column, in slot order. Slot order is first-arrival order — a function of the input
/// history, not of hashing — so equal histories give equal bytes, and a restored table
/// has the same slots and emits rows in the same order as the original.
enum GroupTableSnapshot {
    static func write(_ table: GroupTable, into writer: inout SnapshotWriter, context: AggregationContext) {
        writeKeys(table.keys, into: &writer, context: context)
        writer.write(table.dirty.words)
        let slots = context.slotsInOrder.first(table.keys.count)
        for accumulator in table.accumulators {
            accumulator.write(slots: slots, into: &writer, strings: context.interner.strings)
        }
    }

    static func read(
        from reader: inout SnapshotReader, start: Int64, end: Int64, fired: Bool, version: UInt32,
        context: inout AggregationContext
    ) throws -> GroupTable {
        let keys = try readKeys(from: &reader, context: &context)
        var table = GroupTable(
            keys: keys, accumulators: context.plan.makeAccumulators(), start: start, end: end, fired: fired)
        let dirtyWords = try reader.readUInt64s()
        guard dirtyWords.count <= (keys.count + 63) / 64 + 1 else {
            throw SluiceError(.corruptSnapshot, "dirty bitmap larger than its table")
        }
        table.dirty = SlotBitmap(words: dirtyWords)
        for accumulator in table.accumulators {
            try accumulator.read(count: keys.count, from: &reader, interner: &context.interner, version: version)
        }
        return table
    }

    /// Writes the count, then per key column a null flag (when nullable) and the value of
    /// every slot.
    static func writeKeys(_ keys: KeyTable, into writer: inout SnapshotWriter, context: AggregationContext) {
        let width = keys.width
        let words = keys.keys
        let nullable = context.encoder.nullable
        let strings = context.encodedStrings
        if context.encoder.types.contains(.string) { strings.extend(context.interner.strings) }
        writer.write(UInt64(keys.count))
        for (k, type) in context.encoder.types.enumerated() {
            if !nullable {
                words.withUnsafeBufferPointer { words in
                    if type == .string {
                        writer.write(codes: words, stride: width, offset: k, count: keys.count, of: strings)
                    } else {
                        writer.writeColumn(words, stride: width, offset: k, count: keys.count)
                    }
                }
                continue
            }
            for slot in 0..<keys.count {
                let word = words[slot * width + k]
                if nullable {
                    let isNull = words[slot * width + width - 1] & (1 << UInt64(k)) != 0
                    writer.write(isNull)
                    if isNull { continue }
                }
                if type == .string {
                    writer.write(code: Int(word), of: strings)
                } else {
                    writer.write(word)
                }
            }
        }
    }

    /// Reads keys written by `writeKeys` into a new table whose slots keep their order.
    static func readKeys(from reader: inout SnapshotReader, context: inout AggregationContext) throws -> KeyTable {
        let count = try reader.readElementCount()
        let width = context.encoder.width
        var words = [UInt64](repeating: 0, count: count * width)
        let nullable = context.encoder.nullable
        for (k, type) in context.encoder.types.enumerated() {
            for slot in 0..<count {
                if try nullable && reader.readBool() {
                    words[slot * width + width - 1] |= 1 << UInt64(k)
                    continue
                }
                words[slot * width + k] =
                    type == .string ? UInt64(context.interner.intern(try reader.readString())) : try reader.readUInt64()
            }
        }
        var table = KeyTable(width: width, capacity: Swift.max(count, 1))
        try words.withUnsafeBufferPointer { all in
            for slot in 0..<count {
                let key = UnsafeBufferPointer(rebasing: all[(slot * width)..<((slot + 1) * width)])
                let (found, inserted) = table.findOrInsert(key)
                guard inserted, Int(found) == slot else {
                    throw SluiceError(.corruptSnapshot, "duplicate group key in snapshot")
                }
            }
        }
        return table
    }
}
