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
        default: "a JSON " + (self == .string ? "string" : "number")
        }
    }
}

/// Reads one record's top-level object, staging the schema's fields in the scratch.
///
/// Structural errors are thrown and end the record; content errors (wrong type,
/// duplicate, bad timestamp) are remembered in `pendingReason` while the scan goes on,
/// so a record with both reports the structural one, and only the first content error.
struct RecordParser {
    enum Outcome {
        case object
        case empty
        case notObject(JSONKind)
    }

    let plan: DecoderPlan
    let scratch: DecoderScratch
    private let values: UnsafeMutablePointer<StagedValue>
    private let follow: UnsafeMutablePointer<Int32>
    private(set) var scanner: JSONScanner
    private(set) var stamp: UInt32 = 0
    private(set) var pendingReason: String?

    init(plan: DecoderPlan, scratch: DecoderScratch) {
        self.plan = plan
        self.scratch = scratch
        values = scratch.values
        follow = scratch.follow
        let none = UnsafePointer<UInt8>(bitPattern: 1)!
        scanner = JSONScanner(start: none, end: none, lineMode: true, containerStack: scratch.containerStack)
    }

    /// Where the record's text for a staged string starts.
    @inline(__always)
    func text(of value: StagedValue) -> UnsafePointer<UInt8> {
        value.inScratch ? UnsafePointer(scratch.unescaped) + value.offset : scanner.start + value.offset
    }

    /// Remembers the first content error of the record (built only on bad records).
    private mutating func note(_ reason: String) {
        if pendingReason == nil { pendingReason = reason }
    }

    mutating func parse(start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, lineMode: Bool) throws(SyntaxError)
        -> Outcome
    {
        scanner = JSONScanner(start: start, end: end, lineMode: lineMode, containerStack: scratch.containerStack)
        stamp = scratch.beginRecord()
        pendingReason = nil
        scanner.skipWhitespace()
        if scanner.atRecordEnd { return .empty }
        let first = scanner.current
        guard first == 0x7B else {
            try scanner.skipValue(depth: 0)
            try finishRecord()
            return .notObject(JSONKind(firstByte: first))
        }
        scanner.p += 1
        scanner.skipWhitespace()
        if scanner.current == 0x7D {
            scanner.p += 1
        } else {
            var previous = -1
            while true {
                guard scanner.current == 0x22 else { throw SyntaxError(at: scanner.p, .expectedKey) }
                let key = try scanner.scanString()
                let slot = self.slot(for: key, after: &previous)
                scanner.skipWhitespace()
                guard scanner.current == 0x3A else { throw SyntaxError(at: scanner.p, .expectedColon) }
                scanner.p += 1
                scanner.skipWhitespace()
                if slot < 0 {
                    try scanner.skipValue(depth: 1)
                } else {
                    try parseValue(slot: slot)
                }
                scanner.skipWhitespace()
                let c = scanner.current
                if c == 0x2C {
                    scanner.p += 1
                    scanner.skipWhitespace()
                } else if c == 0x7D {
                    scanner.p += 1
                    break
                } else {
                    throw SyntaxError(at: scanner.p, .expectedCommaOrBrace)
                }
            }
        }
        try finishRecord()
        return .object
    }

    /// Only whitespace may follow the top-level value.
    @inline(__always)
    private mutating func finishRecord() throws(SyntaxError) {
        scanner.skipWhitespace()
        guard scanner.atRecordEnd else { throw SyntaxError(at: scanner.p, .trailingData) }
    }

    /// The slot of a key, trying the slot that followed `previous` last time first.
    @inline(__always)
    private mutating func slot(for key: StringSpan, after previous: inout Int) -> Int {
        var bytes = key.start
        var count = key.count
        if key.hasEscapes {
            // Unescaped into free scratch space; not kept, so the space is not claimed.
            let offset = scratch.reserveUnescaped(key.count)
            count = JSONScanner.unescape(key, into: scratch.unescaped + offset)
            bytes = UnsafePointer(scratch.unescaped + offset)
        }
        let predicted = Int(follow[previous + 1])
        if predicted >= 0 && plan.lookup.matches(predicted, bytes, count) {
            previous = predicted
            return predicted
        }
        let slot = plan.lookup.find(bytes, count)
        if slot >= 0 {
            follow[previous + 1] = Int32(slot)
            previous = slot
        }
        return slot
    }

    /// Stages a string's text, unescaping into the scratch when needed.
    @inline(__always)
    private mutating func stage(_ span: StringSpan, in value: UnsafeMutablePointer<StagedValue>) {
        if span.hasEscapes {
            let offset = scratch.reserveUnescaped(span.count)
            let count = JSONScanner.unescape(span, into: scratch.unescaped + offset)
            scratch.unescapedCount = offset + count
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
    private mutating func mismatch(slot: Int, kind: JSONKind) throws(SyntaxError) {
        try scanner.skipValue(depth: 1)
        note(
            RejectionReason.typeMismatch(
                field: plan.names[slot], found: kind.article, expected: plan.types[slot]))
    }

    private func numberText(_ token: NumberToken) -> String {
        String(decoding: UnsafeBufferPointer(start: token.start, count: token.end - token.start), as: UTF8.self)
    }

    @inline(__always)
    private mutating func parseValue(slot: Int) throws(SyntaxError) {
        let value = values + slot
        if value.pointee.stamp == stamp {
            try scanner.skipValue(depth: 1)
            note(RejectionReason.duplicateField(plan.names[slot]))
            return
        }
        value.pointee.stamp = stamp
        let c = scanner.current
        if c == 0x6E {
            try scanner.expectLiteral("null", else: .invalidNull)
            value.pointee.isNull = true
            return
        }
        value.pointee.isNull = false
        let isNumber = c == 0x2D || c &- 0x30 < 10
        switch plan.kinds[slot] {
        case .double:
            guard isNumber else { return try mismatch(slot: slot, kind: JSONKind(firstByte: c)) }
            let token = try scanner.scanNumber()
            let number = token.doubleValue
            if !number.isFinite {
                note(RejectionReason.outOfRange(field: plan.names[slot], type: .double, text: numberText(token)))
            }
            value.pointee.bits = number.bitPattern
        case .int64, .timestamp:
            var millis: Int64
            if isNumber {
                let token = try scanner.scanNumber()
                guard token.isInteger else {
                    note(
                        RejectionReason.typeMismatch(
                            field: plan.names[slot], found: JSONKind.decimal.article, expected: plan.types[slot]))
                    return
                }
                guard let integer = token.int64Value else {
                    note(
                        RejectionReason.outOfRange(
                            field: plan.names[slot], type: plan.types[slot], text: numberText(token)))
                    return
                }
                millis = integer
            } else if c == 0x22 && plan.kinds[slot] == .timestamp {
                let span = try scanner.scanString()
                stage(span, in: value)
                let text = self.text(of: value.pointee)
                guard let parsed = RFC3339.parse(text, value.pointee.length) else {
                    note(
                        RejectionReason.invalidTimestamp(
                            field: plan.names[slot],
                            text: String(
                                decoding: UnsafeBufferPointer(start: text, count: value.pointee.length), as: UTF8.self)))
                    return
                }
                millis = parsed
            } else {
                return try mismatch(slot: slot, kind: JSONKind(firstByte: c))
            }
            value.pointee.bits = UInt64(bitPattern: millis)
            if slot == plan.timeSlot && !plan.options.validTimeRange.contains(millis) {
                note(RejectionReason.timestampOutOfRange(millis, range: plan.options.validTimeRange))
            }
        case .bool:
            if c == 0x74 {
                try scanner.expectLiteral("true", else: .invalidTrue)
                value.pointee.bits = 1
            } else if c == 0x66 {
                try scanner.expectLiteral("false", else: .invalidFalse)
                value.pointee.bits = 0
            } else {
                try mismatch(slot: slot, kind: JSONKind(firstByte: c))
            }
        case .string:
            if c == 0x22 {
                stage(try scanner.scanString(), in: value)
            } else if c == 0x7B || c == 0x5B {
                // Arrays and objects are kept as their JSON text (DAA's `capabilities`).
                let start = scanner.p
                try scanner.skipContainer(depth: 1)
                value.pointee.inScratch = false
                value.pointee.offset = start - scanner.start
                value.pointee.length = scanner.p - start
            } else {
                try mismatch(slot: slot, kind: JSONKind(firstByte: c))
            }
        case .presence:
            try scanner.skipValue(depth: 1)
        }
    }
}
