#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
public import SluiceCore

/// Decodes JSON records (one object per line, or one per message) straight into the
/// typed columns of a `Batch`, rejecting bad records with a precise reason.
///
/// Only the schema's fields are extracted; other keys are skipped but still validated,
/// so every accepted record is well-formed JSON and valid UTF-8. `checkedFields` of the
/// options are checked by the same rules as the schema's and then dropped (a pipeline
/// decodes the fields it reads and rejects exactly what the whole schema would). Field values:
/// - `int64`: a JSON integer (`1.5` or `1e3` is a decimal number: a type error).
/// - `double`: any JSON number, correctly rounded.
/// - `bool`: `true` / `false`.
/// - `string`: a JSON string; an array or object is kept as its JSON text (DAA's
///   `capabilities`, `target_agents`).
/// - `timestamp`: an integer of epoch milliseconds or an RFC 3339 string
///   (`2026-11-24T10:00:00.123Z`, `+02:00` offsets, fractions of any length truncated to ms).
/// - `null` or an absent field is null.
///
/// Fields in `required` and non-nullable schema fields must be present and not null.
/// A field the schema extracts that appears twice in one object rejects the record
/// (`duplicate field 'x'`): there is no safe way to pick one. Duplicates among the
/// skipped keys are not looked for.
///
/// When a record has several problems one reason is reported, in this order: oversized,
/// invalid UTF-8, invalid JSON, not an object, the first content error in document
/// order (type, range, duplicate, timestamp), a missing or null required field, an
/// unknown event type. `RejectionReason` lists the texts.
///
/// A rejection carries the record's bytes as received (without the line terminator and
/// a stripped byte order mark); an oversized record keeps only its first
/// `maxRecordBytes` bytes, so one huge record cannot exhaust memory downstream.
///
/// String columns are dictionary-encoded; the decoder keeps the strings it has seen
/// (bounded, see `StringTable`) so recurring values are not allocated per batch. Once a
/// column settles (few new strings per batch), its codes are stable across batches and
/// the batches share one dictionary array, which downstream translations reuse; until
/// then each batch has its own compact dictionary. A unique-per-event column (`id`) is
/// not hashed once it shows itself: each value read is the next entry of its batch's
/// dictionary, so a value repeated within the batch has two. A batch dictionary may hold
/// strings that no row of the batch uses (a rejected record's, or other batches' under
/// stable codes).
///
/// - Important: A decoder is a value; copies decode independently (each takes private
///   scratch memory on first use), so one decoder per thread is the rule.
public struct JSONBatchDecoder: Sendable {
    let plan: DecoderPlan
    private(set) var state: DecoderState
    var rows = 0
    /// Off only in tests, to check the fast path against the general parser.
    var usesFastPath = true
    /// Look-ups the fast path deferred and `resolveDeferredLookups` made, so far (for tests).
    private(set) var deferredLookupsResolved = 0

    /// - Parameters:
    ///   - schema: the fields to extract, in column order.
    ///   - required: fields that must be present and not null (non-nullable schema
    ///     fields are required as well); names outside the schema are checked for presence.
    ///   - options: size limit, time range, allowed event types.
    public init(schema: Schema, required: Set<String>, options: DecoderOptions = .init()) {
        let plan = DecoderPlan(schema: schema, required: required, options: options)
        self.plan = plan
        state = DecoderState(plan: plan)
    }

    /// The schema of the batches this decoder produces.
    public var schema: Schema { plan.schema }

    /// The options the decoder was made with.
    public var options: DecoderOptions { plan.options }

    /// Decodes newline-separated records.
    ///
    /// `bytes` holds whole lines; the last may lack its `\n`. A `\r` before a `\n` is
    /// dropped, and a UTF-8 byte order mark is skipped at the very start of the input
    /// (`firstLine == 1` and `baseOffset == 0`). An empty line is an `empty record`, but
    /// the end of input after a final `\n` is not a line.
    ///
    /// - Parameters:
    ///   - firstLine: the number of the first line, for `Rejection.line`.
    ///   - source, split: name the input in positions.
    ///   - baseOffset: the input offset of `bytes[0]`. Rejections are positioned at the
    ///     offset where their line starts; the batch at `baseOffset + bytes.count`.
    /// - Returns: the accepted rows, and one rejection per bad line in line order.
    public mutating func decodeLines(
        _ bytes: UnsafeRawBufferPointer, firstLine: Int64, source: String, split: Int, baseOffset: Int64
    ) -> (Batch, [Rejection]) {
        decodeLines(bytes, block: nil, firstLine: firstLine, source: source, split: split, baseOffset: baseOffset)
    }

    /// `decodeLines` of `block[range]`, which its writer no longer writes: with
    /// `keepsRecords` the batch's records point into the block instead of a copy of the lines.
    public mutating func decodeLines(
        in block: RecordBlock, range: Range<Int>, firstLine: Int64, source: String, split: Int, baseOffset: Int64
    ) -> (Batch, [Rejection]) {
        precondition(range.lowerBound >= 0 && range.upperBound <= block.capacity, "lines outside their block")
        let bytes = UnsafeRawBufferPointer(start: block.base + range.lowerBound, count: range.count)
        return decodeLines(
            bytes, block: (block, range), firstLine: firstLine, source: source, split: split, baseOffset: baseOffset)
    }

    private mutating func decodeLines(
        _ bytes: UnsafeRawBufferPointer, block: (RecordBlock, Range<Int>)?, firstLine: Int64, source: String,
        split: Int, baseOffset: Int64
    ) -> (Batch, [Rejection]) {
        beginBatch()
        var rejections: [Rejection] = []
        let keepsRecords = plan.options.keepsRecords
        var spans: [RawRecords.Span] = []
        // Spans count from the block's start; lines given without one are copied from 0.
        let spanBase = block?.1.lowerBound ?? 0
        if let raw = bytes.baseAddress, bytes.count > 0 {
            let bufferStart = raw.assumingMemoryBound(to: UInt8.self)
            let end = bufferStart + bytes.count
            var p = bufferStart
            if firstLine == 1 && baseOffset == 0 { p = Self.skippingBOM(p, end) }
            var line = firstLine
            var parser = RecordParser(plan: plan, state: state)
            defer { parser.finish() }
            // The lines stay readable until this returns: look-ups may wait for the chunk's end.
            let fast = fastPath(defersLookups: true)
            while p < end {
                let rowsBefore = rows
                if fast.isOn, !keepsRecords, let recordEnd = fast.decode(start: p, end: end, lineMode: true, row: rows) {
                    // The common case, with nothing else to do for the record.
                    rows &+= 1
                    p = recordEnd < end ? recordEnd + 1 : end
                    line &+= 1
                    continue
                }
                // Without records to keep, the fast path was just tried: go straight to the parser.
                let (recordEnd, reason) = decodeRecord(
                    &parser, fast, tryingFast: keepsRecords, start: p, end: end, lineMode: true)
                if keepsRecords && rows > rowsBefore {
                    let contentEnd = Self.droppingCarriageReturn(p, recordEnd)
                    spans.append(
                        RawRecords.Span(start: UInt32(spanBase + (p - bufferStart)), length: UInt32(contentEnd - p)))
                }
                if let reason {
                    let contentEnd = Self.droppingCarriageReturn(p, recordEnd)
                    rejections.append(
                        Rejection(
                            reason: reason, raw: rawBytes(p, contentEnd),
                            position: SourcePosition(
                                source: source, split: split, offset: baseOffset + Int64(p - bufferStart)),
                            line: line))
                }
                p = recordEnd < end ? recordEnd + 1 : end
                line += 1
            }
            resolveDeferredLookups()
        }
        let position = SourcePosition(source: source, split: split, offset: baseOffset + Int64(bytes.count))
        var batch = finishBatch(position: position)
        // The whole chunk is kept (copied once unless in a block); rows point into it
        // (rejected lines are not theirs).
        if keepsRecords {
            let (recordBlock, range) = block ?? (RecordBlock(copying: bytes), 0..<bytes.count)
            batch.records = RawRecords(block: recordBlock, count: range.upperBound, spans: spans)
        }
        return (batch, rejections)
    }

    /// Decodes one record per message (a broker message, a request body). Newlines are
    /// whitespace here, a leading byte order mark is skipped, and an empty message is
    /// an `empty record`.
    ///
    /// - Parameter positions: one per message; rejections carry their message's
    ///   position, and the batch the last one.
    public mutating func decodeMessages(_ messages: [[UInt8]], positions: [SourcePosition]) -> (Batch, [Rejection]) {
        precondition(messages.count == positions.count, "one position per message")
        beginBatch()
        var rejections: [Rejection] = []
        var parser = RecordParser(plan: plan, state: state)
        defer { parser.finish() }
        let fast = fastPath()
        let keepsRecords = plan.options.keepsRecords
        // Room for every message: kept records are at most their messages.
        let recordBlock = keepsRecords ? RecordBlock(capacity: messages.reduce(0) { $0 + $1.count }) : nil
        var recordBytes = 0
        var spans: [RawRecords.Span] = []
        for (index, message) in messages.enumerated() {
            let rowsBefore = rows
            let reason: String? = message.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress, buffer.count > 0 else { return RejectionReason.emptyRecord }
                let end = base + buffer.count
                let start = Self.skippingBOM(base, end)
                let reason = decodeRecord(&parser, fast, tryingFast: true, start: start, end: end, lineMode: false).reason
                if keepsRecords && rows > rowsBefore {
                    Self.appendRecord(
                        UnsafeBufferPointer(start: start, count: end - start), to: recordBlock!, at: &recordBytes,
                        spans: &spans)
                }
                return reason
            }
            if let reason {
                var raw = message
                if raw.count > plan.maxRecordBytes { raw.removeLast(raw.count - max(plan.maxRecordBytes, 0)) }
                rejections.append(Rejection(reason: reason, raw: raw, position: positions[index]))
            }
        }
        var batch = finishBatch(position: positions.last)
        if let recordBlock { batch.records = RawRecords(block: recordBlock, count: recordBytes, spans: spans) }
        return (batch, rejections)
    }

    /// Keeps one message's bytes as a record. Line breaks in an accepted message can
    /// only be JSON whitespace (a string cannot hold a raw one), so they become spaces:
    /// the record stays one line in a line-based archive and means the same JSON.
    private static func appendRecord(
        _ message: UnsafeBufferPointer<UInt8>, to block: RecordBlock, at count: inout Int,
        spans: inout [RawRecords.Span]
    ) {
        let start = count
        let out = (block.base + start).assumingMemoryBound(to: UInt8.self)
        for i in 0..<message.count {
            let byte = message[i]
            out[i] = byte == 0x0A || byte == 0x0D ? 0x20 : byte
        }
        count += message.count
        spans.append(RawRecords.Span(start: UInt32(start), length: UInt32(message.count)))
    }

    // MARK: - Records

    /// Decodes the record at `start`; on success its row is appended. Returns where the
    /// record ends (its newline, or `end`) and the reason when it was rejected.
    private mutating func decodeRecord(
        _ parser: inout RecordParser, _ fast: FastPath, tryingFast: Bool, start: UnsafePointer<UInt8>,
        end: UnsafePointer<UInt8>, lineMode: Bool
    ) -> (recordEnd: UnsafePointer<UInt8>, reason: String?) {
        if tryingFast && fast.isOn, let recordEnd = fast.decode(start: start, end: end, lineMode: lineMode, row: rows) {
            rows &+= 1
            return (recordEnd, nil)
        }
        let outcome: RecordParser.Outcome
        do throws(SyntaxError) {
            outcome = try parser.parse(start: start, end: end, lineMode: lineMode)
        } catch {
            let errorAt = UnsafePointer<UInt8>(bitPattern: error.address)!
            let recordEnd = lineMode ? Self.newline(from: errorAt, end) : end
            let contentEnd = lineMode ? Self.droppingCarriageReturn(start, recordEnd) : recordEnd
            if let reason = oversized(start, contentEnd) { return (recordEnd, reason) }
            if let bad = UTF8Validation.firstInvalid(start, contentEnd) {
                return (recordEnd, RejectionReason.invalidUTF8(at: bad))
            }
            return (recordEnd, error.reason(start: start, recordEnd: recordEnd))
        }
        let recordEnd = parser.recordEnd
        let contentEnd = lineMode ? Self.droppingCarriageReturn(start, recordEnd) : recordEnd
        if let reason = oversized(start, contentEnd) { return (recordEnd, reason) }
        switch outcome {
        case .empty:
            return (recordEnd, RejectionReason.emptyRecord)
        case .notObject(let kind):
            return (recordEnd, RejectionReason.notAnObject(kind.jsonArticle))
        case .object:
            if case .none = parser.issue {} else { return (recordEnd, parser.issueReason()) }
            return (recordEnd, appendRow(stamp: parser.stamp, presentCount: parser.presentCount, recordStart: start))
        }
    }

    @inline(__always)
    private func oversized(_ start: UnsafePointer<UInt8>, _ contentEnd: UnsafePointer<UInt8>) -> String? {
        let length = contentEnd - start
        guard length > plan.maxRecordBytes else { return nil }
        return RejectionReason.oversized(bytes: length, limit: plan.maxRecordBytes)
    }

    /// Checks required fields and the event type, then writes the staged values as the
    /// next row. Returns the reason instead when a check fails (nothing is written).
    @inline(__always)
    private mutating func appendRow(stamp: UInt32, presentCount: Int, recordStart: UnsafePointer<UInt8>) -> String? {
        let values = state.values
        let required = plan.requiredPointer
        for i in 0..<plan.requiredSlots.count {
            let slot = required[i]
            if values[slot].stamp != stamp || values[slot].isNull {
                return values[slot].stamp != stamp
                    ? RejectionReason.missingField(plan.names[slot]) : RejectionReason.nullField(plan.names[slot])
            }
        }
        let tables = state.tables
        let typeSlot = plan.typeSlot
        if typeSlot >= 0 && values[typeSlot].stamp == stamp && !values[typeSlot].isNull {
            let table = plan.tableOfSlot[typeSlot]
            let value = values[typeSlot]
            let found = tables[table].slot(text(of: value, recordStart), value.length, readable: value.length)
            if !tables[table].isAllowed(slot: found) {
                return RejectionReason.unknownEventType(tables[table].string(ofSlot: found))
            }
        }
        let columns = state.columns
        let columnCount = plan.columnCount
        let kinds = plan.kindPointer
        let present = state.present
        for i in 0..<presentCount {
            let slot = Int(present[i])
            let value = values[slot]
            guard slot < columnCount, !value.isNull else { continue }
            if kinds[slot] == .string {
                let table = plan.tablePointer[slot]
                let code = tables[table].code(text(of: value, recordStart), value.length, readable: value.length)
                columns[slot].set(row: rows, UInt64(code))
            } else if kinds[slot] == .fingerprint {
                let text = UnsafeRawBufferPointer(start: text(of: value, recordStart), count: value.length)
                columns[slot].setFingerprint(row: rows, text)
            } else {
                columns[slot].set(row: rows, value.bits)
            }
        }
        rows += 1
        return nil
    }

    @inline(__always)
    private func text(of value: StagedValue, _ recordStart: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        value.inScratch ? UnsafePointer(state.unescaped) + value.offset : recordStart + value.offset
    }

    // MARK: - Batches

    private mutating func beginBatch() {
        if !isKnownUniquelyReferenced(&state) { state = DecoderState(plan: plan) }
        for t in 0..<plan.tableCount { state.tables[t].beginBatch() }
        rows = 0
    }

    /// Looks up the strings the fast path deferred (`DeferredLookup`), in row order (new
    /// strings get their codes in the order they were read), prefetching the table slot of
    /// the one `distance` ahead (8 left some of the misses in the way: 9.3 % of W1Run's samples
    /// here against 8.4 % with 16), and writes the codes into their rows.
    private mutating func resolveDeferredLookups() {
        let deferred = state.deferred
        let count = deferred.pointee.count
        guard count > 0 else { return }
        let entries = deferred.pointee.base
        let tableOfSlot = plan.tablePointer
        let tables = state.tables
        let columns = state.columns
        let distance = 16
        for i in 0..<count {
            if i &+ distance < count {
                let ahead = entries[i &+ distance]
                tables[tableOfSlot[Int(ahead.slot)]].prefetchShortSlot(Int(ahead.length), low: ahead.low, high: ahead.high)
            }
            let entry = entries[i]
            let slot = Int(entry.slot)
            let table = tables + tableOfSlot[slot]
            let found = table.pointee.shortSlot(entry.bytes, Int(entry.length), low: entry.low, high: entry.high)
            columns[slot].overwrite(row: Int(entry.row), UInt64(table.pointee.code(ofSlot: found)))
        }
        deferredLookupsResolved &+= count
        deferred.pointee.removeAll()
    }

    private mutating func finishBatch(position: SourcePosition?) -> Batch {
        assert(state.deferred.pointee.count == 0, "deferred look-ups left unresolved: their rows would keep code 0")
        var built: [Column] = []
        built.reserveCapacity(plan.columnCount)
        for slot in 0..<plan.columnCount {
            let table = plan.tableOfSlot[slot]
            let dictionary = table >= 0 ? state.tables[table].takeDictionary() : []
            built.append(state.columns[slot].finish(rows: rows, dictionary: dictionary))
        }
        return Batch(schema: plan.schema, columns: built, count: rows, position: position)
    }

    // MARK: - Bytes

    private func rawBytes(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> [UInt8] {
        let kept = min(end - start, max(plan.maxRecordBytes, 0))
        return Array(UnsafeBufferPointer(start: start, count: kept))
    }

    /// The newline at or after `p`, or `end`.
    @inline(__always)
    static func newline(from p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        guard p < end, let found = memchr(p, 0x0A, end - p) else { return end }
        return UnsafePointer(found.assumingMemoryBound(to: UInt8.self))
    }

    @inline(__always)
    static func droppingCarriageReturn(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>)
        -> UnsafePointer<UInt8>
    {
        end > start && (end - 1).pointee == 0x0D ? end - 1 : end
    }

    @inline(__always)
    static func skippingBOM(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        end - p >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? p + 3 : p
    }
}
