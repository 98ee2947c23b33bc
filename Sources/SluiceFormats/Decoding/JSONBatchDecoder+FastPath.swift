extension JSONBatchDecoder {
    /// Decodes a record in the common shape — compact JSON, strings without escapes,
    /// plain numbers, booleans — in one pass straight into the columns, with the cursor
    /// in a register and no staging.
    ///
    /// Returns nil as soon as anything else shows up (whitespace, null, escapes,
    /// exponents, nested values, a duplicate, a failed check, any error), after taking
    /// back whatever it wrote; the caller then runs the general parser, which handles
    /// every case and names every error. So this path accepts only records the general
    /// parser accepts, with the same values, and costs a wasted partial scan otherwise.
    @inline(__always)
    mutating func decodeFast(
        _ parser: inout RecordParser, start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, lineMode: Bool
    ) -> UnsafePointer<UInt8>? {
        parser.beginRecord()
        let stamp = parser.stamp
        let s = JSONScanner(start: start, end: end, lineMode: lineMode, containerStack: state.containerStack)
        let values = state.values
        let present = state.present
        let follow = state.follow
        let columns = state.columns
        let tables = state.tables
        let kinds = plan.kindPointer
        let tableOfSlot = plan.tablePointer
        let lookup = plan.lookup
        let columnCount = plan.columnCount
        let row = rows
        var written = 0

        guard end - start >= 2, start.pointee == 0x7B else { return nil }
        var p = start + 1
        var previous = -1
        var failed = false
        if p.pointee == 0x7D {
            p += 1
        } else {
            keys: while true {
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
                guard end - p >= 2, p.pointee == 0x3A else {
                    failed = true
                    break
                }
                p += 1
                if slot < 0 {
                    guard let next = try? s.skipValue(p, depth: 1) else {
                        failed = true
                        break
                    }
                    p = next
                } else {
                    previous = slot
                    guard slot < columnCount, values[slot].stamp != stamp else {
                        failed = true
                        break
                    }
                    values[slot].stamp = stamp
                    present[written] = Int32(truncatingIfNeeded: slot)
                    written &+= 1
                    let c = p.pointee
                    switch kinds[slot] {
                    case .string:
                        guard c == 0x22, let span = try? s.scanString(p), !span.hasEscapes else {
                            failed = true
                            break keys
                        }
                        let table = tableOfSlot[slot]
                        let entry = tables[table].entry(span.start, span.count)
                        if slot == plan.typeSlot && !tables[table].isAllowed(entry) {
                            failed = true
                            break keys
                        }
                        columns[slot].set(row: row, UInt64(tables[table].code(of: entry)))
                        p = span.next
                    case .double, .int64, .timestamp:
                        guard let next = decodeFastNumber(kinds[slot], slot: slot, at: p, end: end, into: columns + slot)
                        else {
                            failed = true
                            break keys
                        }
                        p = next
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
                guard p < end else {
                    failed = true
                    break
                }
                let c = p.pointee
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
        failed = failed || contentEnd - start > plan.options.maxRecordBytes
        if !failed {
            let required = plan.requiredPointer
            for i in 0..<plan.requiredSlots.count where values[required[i]].stamp != stamp {
                failed = true
                break
            }
        }
        if failed {
            for i in 0..<written { columns[Int(present[i])].truncate(to: row) }
            return nil
        }
        rows = row + 1
        return p
    }

    /// A plain number (`-`, digits, an optional fraction; no exponent, at most 19
    /// digits) written to its column, or nil for anything the exact path must handle.
    @inline(__always)
    private func decodeFastNumber(
        _ kind: SlotKind, slot: Int, at p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>,
        into column: UnsafeMutablePointer<ColumnBuffer>
    ) -> UnsafePointer<UInt8>? {
        let negative = p.pointee == 0x2D
        var q = negative ? p + 1 : p
        let integerStart = q
        var mantissa: UInt64 = 0
        // Long integers (epoch milliseconds) eight digits at a time.
        if end - q >= 16 {
            let word = UInt64(littleEndian: UnsafeRawPointer(q).loadUnaligned(as: UInt64.self))
            if DigitWord.leadingDigits(word) == 8 {
                mantissa = DigitWord.value(word, count: 8)
                q += 8
            }
        }
        while q < end {
            let d = q.pointee &- 0x30
            guard d < 10 else { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            q += 1
        }
        let integerDigits = q - integerStart
        guard integerDigits > 0, integerDigits == 1 || integerStart.pointee != 0x30, q < end else { return nil }
        var fractionDigits = 0
        if q.pointee == 0x2E {
            guard kind == .double else { return nil }
            q += 1
            let fractionStart = q
            while q < end {
                let d = q.pointee &- 0x30
                guard d < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                q += 1
            }
            fractionDigits = q - fractionStart
            guard fractionDigits > 0, q < end else { return nil }
        }
        // Exponents and long mantissas go the exact, slower way.
        guard integerDigits + fractionDigits <= 19, q.pointee | 0x20 != 0x65 else { return nil }
        if kind == .double {
            // Clinger: an exact mantissa over an exact power of ten rounds correctly.
            guard mantissa <= 1 << 53, fractionDigits <= 22 else { return nil }
            var number = Double(mantissa)
            if fractionDigits > 0 { number /= NumberToken.powerOfTen(fractionDigits) }
            column.pointee.set(row: rows, (negative ? -number : number).bitPattern)
        } else {
            guard mantissa <= UInt64(Int64.max) else { return nil }
            let integer = negative ? -Int64(mantissa) : Int64(mantissa)
            if slot == plan.timeSlot && !plan.options.validTimeRange.contains(integer) { return nil }
            column.pointee.set(row: rows, UInt64(bitPattern: integer))
        }
        return q
    }
}
