/// What the fast path reads, as plain values and pointers: no class references, because
/// a reference read from the decoder inside the per-record loop costs an atomic retain
/// and release per record (it was a third of the decode time). Made once per decode
/// call by `JSONBatchDecoder.fastPath()`; valid while the decoder's plan and state live.
struct FastPath {
    let follow: UnsafeMutablePointer<Int32>
    let columns: UnsafeMutablePointer<ColumnBuffer>
    let tables: UnsafeMutablePointer<StringTable>
    /// Where short strings of tables that defer look-ups go (`DeferredLookup`); nil when
    /// the caller resolves none (the bytes must stay readable until it does).
    let deferred: UnsafeMutablePointer<GrowableBuffer<DeferredLookup>>?
    let containerStack: UnsafeMutablePointer<UInt8>
    let kinds: UnsafeMutablePointer<SlotKind>
    let tableOfSlot: UnsafeMutablePointer<Int>
    let lookup: FieldLookup.Probe
    /// Slots below it are columns or checked fields; the fast path handles those.
    let checkedEnd: Int
    /// Bit `s` set for each column slot (the slots a record writes).
    let columnMask: UInt64
    let typeSlot: Int
    let timeSlot: Int
    let timeLow: Int64
    let timeHigh: Int64
    let maxRecordBytes: Int
    let requiredMask: UInt64
    /// False when the decoder must take the general parser for every record.
    let isOn: Bool

    /// Decodes a record in the common shape — an object starting at the first byte,
    /// strings without escapes, plain numbers, booleans, nulls of optional fields — in
    /// one pass straight into the columns, with the cursor in a register and no staging.
    ///
    /// Returns nil as soon as anything else shows up (escapes, exponents, nested values
    /// in extracted fields, a duplicate, a failed check, any error), after taking back
    /// whatever it wrote; the caller then runs the general parser, which handles every
    /// case and names every error. So this path accepts only records the general parser
    /// accepts, with the same values, and costs a wasted partial scan otherwise. A batch
    /// dictionary may keep a string read from a record that was then rejected.
    ///
    /// Fields seen are tracked in a 64-bit mask (`requiredMask` is the plan's; the fast
    /// path runs only when every slot fits), which gives duplicate and required checks
    /// without touching memory. `row` is the row to write; on success the caller counts it.
    @inline(__always)
    func decode(
        start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, lineMode: Bool, row: Int
    ) -> UnsafePointer<UInt8>? {
        let s = JSONScanner(start: start, end: end, lineMode: lineMode, containerStack: containerStack)
        var seen: UInt64 = 0

        guard end - start >= 2, start.pointee == 0x7B else { return nil }
        var p = start + 1
        if p.pointee <= 0x20 { p = s.skipWhitespace(p) }
        guard p < end else { return nil }
        var previous = -1
        var failed = false
        if p.pointee == 0x7D {
            p += 1
        } else {
            keys: while true {
                if p < end && p.pointee != 0x22 && p.pointee <= 0x20 { p = s.skipWhitespace(p) }
                guard p < end, p.pointee == 0x22 else {
                    failed = true
                    break
                }
                var slot = Int(follow[previous + 1])
                if slot >= 0 && lookup.matchesQuoted(slot, p + 1, end: end) {
                    p += lookup.nameLength(slot) + 2
                } else {
                    guard let key = try? s.scanString(p), !key.hasEscapes else {
                        failed = true
                        break
                    }
                    slot = lookup.find(key.start, key.count)
                    if slot >= 0 { follow[previous + 1] = Int32(slot) }
                    p = key.next
                }
                if p < end && p.pointee != 0x3A && p.pointee <= 0x20 { p = s.skipWhitespace(p) }
                guard end - p >= 2, p.pointee == 0x3A else {
                    failed = true
                    break
                }
                p += 1
                if p.pointee <= 0x20 {
                    p = s.skipWhitespace(p)
                    guard p < end else {
                        failed = true
                        break
                    }
                }
                if slot < 0 {
                    guard let next = try? s.skipValue(p, depth: 1) else {
                        failed = true
                        break
                    }
                    p = next
                } else {
                    previous = slot
                    let bit = UInt64(1) &<< UInt64(slot)
                    guard slot < checkedEnd, seen & bit == 0 else {
                        failed = true
                        break
                    }
                    seen |= bit
                    let c = p.pointee
                    if c == 0x6E {
                        // A null leaves the column's row empty; required fields go the slow way.
                        guard requiredMask & bit == 0, s.matches("null", at: p) else {
                            failed = true
                            break
                        }
                        p += 4
                    } else {
                        switch kinds[slot] {
                        case .string:
                            guard c == 0x22, let span = try? s.scanString(p), !span.hasEscapes else {
                                failed = true
                                break keys
                            }
                            let table = tableOfSlot[slot]
                            let code: UInt32
                            if slot == typeSlot {
                                let found = tables[table].slot(span.start, span.count, readable: end - span.start)
                                guard tables[table].isAllowed(slot: found) else {
                                    failed = true
                                    break keys
                                }
                                code = tables[table].code(ofSlot: found)
                            } else if let deferred, span.count <= 16, tables[table].defersLookups {
                                let (low, high) = ShortBytes.words(span.start, span.count, readable: end - span.start)
                                deferred.pointee.append(
                                    DeferredLookup(
                                        low: low, high: high, bytes: span.start, row: Int32(truncatingIfNeeded: row),
                                        slot: UInt16(truncatingIfNeeded: slot), length: UInt16(truncatingIfNeeded: span.count)))
                                code = 0  // replaced by the look-up's code at the end of the chunk
                            } else {
                                code = tables[table].code(span.start, span.count, readable: end - span.start)
                            }
                            columns[slot].set(row: row, UInt64(code))
                            p = span.next
                        case .fingerprint:
                            guard c == 0x22, let span = try? s.scanString(p), !span.hasEscapes else {
                                failed = true
                                break keys
                            }
                            columns[slot].setFingerprint(row: row, UnsafeRawBufferPointer(start: span.start, count: span.count))
                            p = span.next
                        case .double, .int64, .timestamp:
                            let column = columns + slot
                            guard let next = decodeNumber(kinds[slot], slot: slot, at: p, end: end, row: row, into: column)
                            else {
                                failed = true
                                break keys
                            }
                            p = next
                        case .checkedString:
                            // Checked, not kept: no table look-up.
                            guard c == 0x22, let span = try? s.scanString(p), !span.hasEscapes else {
                                failed = true
                                break keys
                            }
                            p = span.next
                        case .checkedDouble, .checkedInt64, .checkedTimestamp:
                            let kind = kinds[slot].valueKind
                            guard let next = decodeNumber(kind, slot: slot, at: p, end: end, row: row, into: nil) else {
                                failed = true
                                break keys
                            }
                            p = next
                        case .checkedBool:
                            if c == 0x74 && s.matches("true", at: p) {
                                p += 4
                            } else if c == 0x66 && s.matches("false", at: p) {
                                p += 5
                            } else {
                                failed = true
                                break keys
                            }
                        case .bool:
                            if c == 0x74 && s.matches("true", at: p) {
                                columns[slot].set(row: row, 1)
                                p += 4
                            } else if c == 0x66 && s.matches("false", at: p) {
                                columns[slot].set(row: row, 0)
                                p += 5
                            } else {
                                failed = true
                                break keys
                            }
                        case .presence:
                            failed = true
                            break keys
                        }
                    }
                }
                guard p < end else {
                    failed = true
                    break
                }
                var c = p.pointee
                if c <= 0x20 && c != 0 {
                    p = s.skipWhitespace(p)
                    guard p < end else {
                        failed = true
                        break
                    }
                    c = p.pointee
                }
                p += 1
                if c == 0x7D { break }
                guard c == 0x2C else {
                    failed = true
                    break
                }
            }
        }
        let contentEnd = p
        if !failed && p < end {
            if p.pointee == 0x0D { p += 1 }
            failed = !lineMode || (p < end && p.pointee != 0x0A)
        }
        // Too long records are rejected by the general path, which names the size.
        if failed || seen & requiredMask != requiredMask || contentEnd - start > maxRecordBytes {
            // Take back what this record wrote.
            if let deferred { deferred.pointee.dropRows(from: row) }
            var written = seen & columnMask
            while written != 0 {
                columns[written.trailingZeroBitCount].truncate(to: row)
                written &= written &- 1
            }
            return nil
        }
        return p
    }

    /// A plain number (`-`, up to 16 integer digits, up to 7 fraction digits, no
    /// exponent) written to its column (checked only with no column), or nil for anything
    /// the exact path must handle.
    /// Digits are read eight at a time (`DigitWord`), so the number needs eight readable
    /// bytes after each digit run; a number at the very end of the input goes the slow way.
    @inline(__always)
    private func decodeNumber(
        _ kind: SlotKind, slot: Int, at p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, row: Int,
        into column: UnsafeMutablePointer<ColumnBuffer>?
    ) -> UnsafePointer<UInt8>? {
        let negative = p.pointee == 0x2D
        var q = negative ? p + 1 : p
        guard end - q >= 8 else { return nil }
        var word = UInt64(littleEndian: UnsafeRawPointer(q).loadUnaligned(as: UInt64.self))
        var count = DigitWord.leadingDigits(word)
        // No digits, or a leading zero followed by more digits: not for this path.
        guard count > 0, count == 1 || q.pointee != 0x30 else { return nil }
        var mantissa = DigitWord.value(word, count: count)
        var digits = count
        q += count
        if count == 8 {
            guard end - q >= 8 else { return nil }
            word = UInt64(littleEndian: UnsafeRawPointer(q).loadUnaligned(as: UInt64.self))
            count = DigitWord.leadingDigits(word)
            guard count < 8 else { return nil }
            if count > 0 {
                mantissa = mantissa &* DigitWord.powerOfTen(count) &+ DigitWord.value(word, count: count)
                digits &+= count
                q += count
            }
        }
        // `q` is inside the last word read, so it is below `end`.
        var fractionDigits = 0
        if q.pointee == 0x2E {
            guard kind == .double, end - q >= 9 else { return nil }
            word = UInt64(littleEndian: UnsafeRawPointer(q + 1).loadUnaligned(as: UInt64.self))
            fractionDigits = DigitWord.leadingDigits(word)
            guard fractionDigits > 0, fractionDigits < 8 else { return nil }
            mantissa = mantissa &* DigitWord.powerOfTen(fractionDigits) &+ DigitWord.value(word, count: fractionDigits)
            digits &+= fractionDigits
            q += 1 + fractionDigits
        }
        // Exponents go the exact, slower way.
        guard q.pointee | 0x20 != 0x65 else { return nil }
        if kind == .double {
            // Clinger: an exact mantissa over an exact power of ten rounds correctly.
            guard mantissa <= 1 << 53 else { return nil }
            guard let column else { return q }
            var number = Double(mantissa)
            if fractionDigits > 0 { number /= NumberToken.powerOfTen(fractionDigits) }
            column.pointee.set(row: row, (negative ? -number : number).bitPattern)
        } else {
            guard digits <= 18 else { return nil }  // 18 digits always fit an Int64
            let integer = negative ? -Int64(mantissa) : Int64(mantissa)
            if slot == timeSlot && (integer < timeLow || integer > timeHigh) { return nil }
            column?.pointee.set(row: row, UInt64(bitPattern: integer))
        }
        return q
    }
}

extension JSONBatchDecoder {
    /// The fast path's view of this decoder; `isOn` is false when it is off or the plan has
    /// more slots than its 64-bit mask. Call after `beginBatch` (the state is final then).
    ///
    /// Not an optional: unwrapping a `FastPath?` per record copied its (then 168) bytes with a
    /// `memmove` call each time (14 % of a W2 job's samples).
    /// With `defersLookups`, short strings of large tables are left in `state.deferred`
    /// for `resolveDeferredLookups`, which the caller must run while their bytes are
    /// readable and before `finishBatch`.
    func fastPath(defersLookups: Bool = false) -> FastPath {
        FastPath(
            follow: state.follow, columns: state.columns, tables: state.tables,
            deferred: defersLookups ? state.deferred : nil, containerStack: state.containerStack,
            kinds: plan.kindPointer, tableOfSlot: plan.tablePointer, lookup: plan.lookup.probe,
            checkedEnd: plan.checkedEnd,
            columnMask: plan.columnCount >= 64 ? ~0 : (UInt64(1) << UInt64(plan.columnCount)) &- 1,
            typeSlot: plan.typeSlot, timeSlot: plan.timeSlot,
            timeLow: plan.timeRange.lowerBound, timeHigh: plan.timeRange.upperBound,
            maxRecordBytes: plan.maxRecordBytes, requiredMask: plan.requiredMask ?? 0,
            isOn: usesFastPath && plan.requiredMask != nil)
    }
}
