import SluiceCore

/// The kind of a JSON value, named the way rejection reasons say it.
enum JSONKind {
    case string, number, decimal, boolean, null, object, array

    init(firstByte c: UInt8) {
        switch c {
        case 0x22: self = .string
        case 0x7B: self = .object
        case 0x5B: self = .array
        case 0x74, 0x66: self = .boolean
        case 0x6E: self = .null
        default: self = .number
        }
    }

    /// "a string", "an array", ... for `field 'x' is a string, expected double`.
    var article: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .decimal: "a decimal number"
        case .boolean: "a boolean"
        case .null: "null"
        case .object: "an object"
        case .array: "an array"
        }
    }

    /// "a JSON array", ... for `record is a JSON array, expected an object`.
    var jsonArticle: String {
        switch self {
        case .null: "JSON null"
        case .object: "a JSON object"
        case .array: "a JSON array"
        case .boolean: "a JSON boolean"
        case .string: "a JSON string"
        case .number, .decimal: "a JSON number"
        }
    }
}

/// Where a piece of record text is: in the record, or in the unescape buffer.
struct TextRef {
    var offset: Int
    var length: Int
    var inScratch: Bool
}

/// The first content error of a record (a plain value: the reason text is built only
/// when the record is rejected).
enum ContentIssue {
    case none
    case duplicate(slot: Int)
    case mismatch(slot: Int, kind: JSONKind)
    case outOfRange(slot: Int, text: TextRef)
    case invalidTimestamp(slot: Int, text: TextRef)
    case timeRange(millis: Int64)
}

/// Reads one record's top-level object, staging the schema's fields in the state.
///
/// Structural errors are thrown and end the record; content errors (wrong type,
/// duplicate, bad timestamp) are remembered in `issue` while the scan goes on, so a
/// record with both reports the structural one, and only the first content error.
struct RecordParser {
    enum Outcome {
        case object
        case empty
        case notObject(JSONKind)
    }

    let plan: DecoderPlan
    let state: DecoderState
    let values: UnsafeMutablePointer<StagedValue>
    let present: UnsafeMutablePointer<Int32>
    let follow: UnsafeMutablePointer<Int32>
    let kinds: UnsafeMutablePointer<SlotKind>
    let lookup: FieldLookup
    var scanner: JSONScanner
    /// Where the record ended (its newline, or the end of the bytes) after a successful parse.
    var recordEnd: UnsafePointer<UInt8>
    /// The current record's stamp (see `StagedValue.stamp`).
    private(set) var stamp: UInt32
    /// How many slots the current record staged (`state.present[0..<presentCount]`).
    var presentCount = 0
    private var unescapedCount = 0
    private(set) var issue = ContentIssue.none

    /// A parser for one decode call; `finish()` hands the stamp back to the state.
    init(plan: DecoderPlan, state: DecoderState) {
        self.plan = plan
        self.state = state
        values = state.values
        present = state.present
        follow = state.follow
        kinds = plan.kindPointer
        lookup = plan.lookup
        stamp = state.stamp
        let none = UnsafePointer<UInt8>(bitPattern: 1)!
        recordEnd = none
        scanner = JSONScanner(start: none, end: none, lineMode: true, containerStack: state.containerStack)
    }

    func finish() { state.stamp = stamp }

    /// Where a staged piece of text starts.
    @inline(__always)
    func text(_ offset: Int, inScratch: Bool) -> UnsafePointer<UInt8> {
        inScratch ? UnsafePointer(state.unescaped) + offset : scanner.start + offset
    }

    @inline(__always)
    func text(of value: StagedValue) -> UnsafePointer<UInt8> { text(value.offset, inScratch: value.inScratch) }

    func string(_ ref: TextRef) -> String {
        let start = text(ref.offset, inScratch: ref.inScratch)
        return String(decoding: UnsafeBufferPointer(start: start, count: ref.length), as: UTF8.self)
    }

    @inline(__always)
    mutating func beginRecord() {
        if stamp == UInt32.max {
            for slot in 0..<max(plan.slotCount, 1) { values[slot].stamp = 0 }
            stamp = 0
        }
        stamp &+= 1
        presentCount = 0
        unescapedCount = 0
        issue = .none
    }

    /// Remembers the first content error of the record.
    @inline(__always)
    private mutating func note(_ found: ContentIssue) {
        if case .none = issue { issue = found }
    }

    mutating func parse(start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, lineMode: Bool) throws(SyntaxError)
        -> Outcome
    {
        let s = JSONScanner(start: start, end: end, lineMode: lineMode, containerStack: state.containerStack)
        scanner = s
        beginRecord()
        var p = s.skipWhitespace(start)
        if s.atRecordEnd(p) {
            recordEnd = p
            return .empty
        }
        let first = p.pointee
        guard first == 0x7B else {
            p = s.skipWhitespace(try s.skipValue(p, depth: 0))
            guard s.atRecordEnd(p) else { throw SyntaxError(at: p, .trailingData) }
            recordEnd = p
            return .notObject(JSONKind(firstByte: first))
        }
        p = s.skipWhitespace(p + 1)
        if s.byte(p) == 0x7D {
            p += 1
        } else {
            var previous = -1
            while true {
                guard s.byte(p) == 0x22 else { throw SyntaxError(at: p, .expectedKey) }
                let slot: Int
                let predicted = Int(follow[previous + 1])
                if predicted >= 0 && lookup.matchesQuoted(predicted, p + 1, end: end) {
                    // The usual case: the same key order as the last record.
                    p += lookup.nameLength(predicted) + 2
                    slot = predicted
                    previous = predicted
                } else {
                    let key = try s.scanString(p)
                    slot = self.slot(for: key, after: &previous)
                    p = key.next
                }
                p = s.skipWhitespace(p)
                guard s.byte(p) == 0x3A else { throw SyntaxError(at: p, .expectedColon) }
                p = s.skipWhitespace(p + 1)
                p = slot < 0 ? try s.skipValue(p, depth: 1) : try parseValue(slot: slot, at: p)
                p = s.skipWhitespace(p)
                let c = s.byte(p)
                if c == 0x2C {
                    p = s.skipWhitespace(p + 1)
                } else if c == 0x7D {
                    p += 1
                    break
                } else {
                    throw SyntaxError(at: p, .expectedCommaOrBrace)
                }
            }
        }
        p = s.skipWhitespace(p)
        guard s.atRecordEnd(p) else { throw SyntaxError(at: p, .trailingData) }
        recordEnd = p
        return .object
    }

    /// The slot of a scanned key (-1 when the schema does not extract it); remembers it
    /// as the prediction for the key after `previous`.
    private mutating func slot(for key: StringSpan, after previous: inout Int) -> Int {
        var bytes = key.start
        var count = key.count
        if key.hasEscapes {
            // Unescaped into free scratch space, not kept: the space is not claimed.
            let offset = reserveUnescaped(key.count)
            count = JSONScanner.unescape(key, into: state.unescaped + offset)
            bytes = UnsafePointer(state.unescaped + offset)
        }
        let slot = lookup.find(bytes, count)
        if slot >= 0 {
            follow[previous + 1] = Int32(slot)
            previous = slot
        }
        return slot
    }

    /// Room for `count` unescaped bytes; returns their offset in `state.unescaped`.
    private mutating func reserveUnescaped(_ count: Int) -> Int {
        if unescapedCount + count > state.unescapedCapacity {
            state.growUnescaped(to: unescapedCount + count, keeping: unescapedCount)
        }
        return unescapedCount
    }

    /// Stages a string's text, unescaping it into the state's buffer when needed.
    @inline(__always)
    private mutating func stage(_ span: StringSpan, in value: UnsafeMutablePointer<StagedValue>) {
        if span.hasEscapes {
            let offset = reserveUnescaped(span.count)
            let count = JSONScanner.unescape(span, into: state.unescaped + offset)
            unescapedCount = offset + count
            value.pointee.inScratch = true
            value.pointee.offset = offset
            value.pointee.length = count
        } else {
            value.pointee.inScratch = false
            value.pointee.offset = span.start - scanner.start
            value.pointee.length = span.count
        }
    }

    /// Skips a value of the wrong kind and notes the mismatch.
    private mutating func mismatch(slot: Int, at p: UnsafePointer<UInt8>) throws(SyntaxError) -> UnsafePointer<UInt8> {
        let next = try scanner.skipValue(p, depth: 1)
        note(.mismatch(slot: slot, kind: JSONKind(firstByte: p.pointee)))
        return next
    }

    @inline(__always)
    private func textRef(_ token: NumberToken) -> TextRef {
        TextRef(offset: token.start - scanner.start, length: token.end - token.start, inScratch: false)
    }

    /// Parses the value at `p` into `slot`; returns the position after it.
    @inline(__always)
    private mutating func parseValue(slot: Int, at p: UnsafePointer<UInt8>) throws(SyntaxError)
        -> UnsafePointer<UInt8>
    {
        let s = scanner
        let value = values + slot
        if value.pointee.stamp == stamp {
            let next = try s.skipValue(p, depth: 1)
            note(.duplicate(slot: slot))
            return next
        }
        value.pointee.stamp = stamp
        present[presentCount] = Int32(truncatingIfNeeded: slot)
        presentCount &+= 1
        let c = s.byte(p)
        if c == 0x6E {
            value.pointee.isNull = true
            return try s.literal("null", at: p, else: .invalidNull)
        }
        value.pointee.isNull = false
        let isNumber = c == 0x2D || c &- 0x30 < 10
        // A checked slot follows its type's rules; `appendRow` keeps only columns.
        let kind = kinds[slot].valueKind
        switch kind {
        case .double:
            guard isNumber else { return try mismatch(slot: slot, at: p) }
            let token = try s.scanNumber(p)
            let number = token.doubleValue
            if !number.isFinite { note(.outOfRange(slot: slot, text: textRef(token))) }
            value.pointee.bits = number.bitPattern
            return token.end
        case .int64, .timestamp:
            let millis: Int64
            let next: UnsafePointer<UInt8>
            if isNumber {
                let token = try s.scanNumber(p)
                next = token.end
                guard token.isInteger else {
                    note(.mismatch(slot: slot, kind: .decimal))
                    return next
                }
                guard let integer = token.int64Value else {
                    note(.outOfRange(slot: slot, text: textRef(token)))
                    return next
                }
                millis = integer
            } else if c == 0x22 && kind == .timestamp {
                let span = try s.scanString(p)
                next = span.next
                stage(span, in: value)
                guard let parsed = RFC3339.parse(text(of: value.pointee), value.pointee.length) else {
                    let v = value.pointee
                    let text = TextRef(offset: v.offset, length: v.length, inScratch: v.inScratch)
                    note(.invalidTimestamp(slot: slot, text: text))
                    return next
                }
                millis = parsed
            } else {
                return try mismatch(slot: slot, at: p)
            }
            value.pointee.bits = UInt64(bitPattern: millis)
            if slot == plan.timeSlot && !plan.timeRange.contains(millis) {
                note(.timeRange(millis: millis))
            }
            return next
        case .string:
            if c == 0x22 {
                let span = try s.scanString(p)
                stage(span, in: value)
                return span.next
            }
            if c == 0x7B || c == 0x5B {
                // Arrays and objects are kept as their JSON text (DAA's `capabilities`).
                let next = try s.skipContainer(p, depth: 1)
                value.pointee.inScratch = false
                value.pointee.offset = p - s.start
                value.pointee.length = next - p
                return next
            }
            return try mismatch(slot: slot, at: p)
        case .bool:
            if c == 0x74 {
                value.pointee.bits = 1
                return try s.literal("true", at: p, else: .invalidTrue)
            }
            if c == 0x66 {
                value.pointee.bits = 0
                return try s.literal("false", at: p, else: .invalidFalse)
            }
            return try mismatch(slot: slot, at: p)
        case .presence, .fingerprint, .checkedInt64, .checkedDouble, .checkedBool, .checkedString, .checkedTimestamp:
            // `valueKind` never returns these (a fingerprint reads as a string).
            return try s.skipValue(p, depth: 1)
        }
    }

    /// The reason text for the record's content issue, if it has one.
    func issueReason() -> String? {
        switch issue {
        case .none:
            return nil
        case .duplicate(let slot):
            return RejectionReason.duplicateField(plan.names[slot])
        case .mismatch(let slot, let kind):
            return RejectionReason.typeMismatch(
                field: plan.names[slot], found: kind.article, expected: plan.types[slot])
        case .outOfRange(let slot, let text):
            return RejectionReason.outOfRange(field: plan.names[slot], type: plan.types[slot], text: string(text))
        case .invalidTimestamp(let slot, let text):
            return RejectionReason.invalidTimestamp(field: plan.names[slot], text: string(text))
        case .timeRange(let millis):
            return RejectionReason.timestampOutOfRange(millis, range: plan.options.validTimeRange)
        }
    }
}
