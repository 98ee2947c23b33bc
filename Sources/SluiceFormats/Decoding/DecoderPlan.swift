import SluiceCore

/// How the decoder stores one extracted field while a record is being read.
enum SlotKind: UInt8 {
    case int64, double, bool, string, timestamp
    /// A string kept as its fingerprint words (`DecoderOptions.fingerprintedFields`).
    case fingerprint
    /// A field only checked for presence (required but not in the schema).
    case presence
    /// A field checked like a schema field of that type but not kept
    /// (`DecoderOptions.checkedFields`).
    case checkedInt64, checkedDouble, checkedBool, checkedString, checkedTimestamp

    init(_ type: DataType) {
        switch type {
        case .int64: self = .int64
        case .double: self = .double
        case .bool: self = .bool
        case .string: self = .string
        case .timestamp: self = .timestamp
        }
    }

    /// The kind of a field checked but not kept.
    init(checked type: DataType) {
        switch type {
        case .int64: self = .checkedInt64
        case .double: self = .checkedDouble
        case .bool: self = .checkedBool
        case .string: self = .checkedString
        case .timestamp: self = .checkedTimestamp
        }
    }

    /// The kind whose rules a value of this slot follows (checked kinds: their type's).
    @inline(__always)
    var valueKind: SlotKind {
        switch self {
        case .checkedInt64: .int64
        case .checkedDouble: .double
        case .checkedBool: .bool
        case .checkedString: .string
        case .checkedTimestamp: .timestamp
        case .fingerprint: .string
        default: self
        }
    }
}

/// What the decoder extracts, derived once from the schema, the required fields and
/// the options.
///
/// Slots `0..<columnCount` are the schema's fields in order; slots after them are
/// hidden fields the checks need but the batch does not carry: first the
/// `checkedFields` (`columnCount..<checkedEnd`, validated like columns, values dropped),
/// then a required field missing from the schema, or `type` when `allowedTypes` is set.
final class DecoderPlan: @unchecked Sendable {
    // @unchecked: immutable after init (the pointers are read-only copies of the arrays).
    let schema: Schema
    let names: [String]
    let kinds: [SlotKind]
    /// `kinds`, `requiredSlots` and `tableOfSlot` for the hot loop, without bounds checks.
    let kindPointer: UnsafeMutablePointer<SlotKind>
    let requiredPointer: UnsafeMutablePointer<Int>
    let tablePointer: UnsafeMutablePointer<Int>
    /// The type each slot expects, for reasons (hidden presence slots say `string`).
    let types: [DataType]
    let columnCount: Int
    /// The end of the checked slots: the fast path handles slots below it.
    let checkedEnd: Int
    /// Required slots: `required` plus every non-nullable schema field.
    let requiredSlots: [Int]
    /// The slot checked against `allowedTypes`, or -1.
    let typeSlot: Int
    /// The slot checked against `validTimeRange`, or -1.
    let timeSlot: Int
    /// The string-table index of each string slot, or -1.
    let tableOfSlot: [Int]
    let tableCount: Int
    let lookup: FieldLookup
    let options: DecoderOptions
    /// Copies of option values for hot loops (reading `options` would copy its sets).
    let maxRecordBytes: Int
    let timeRange: ClosedRange<Int64>
    /// Bit `s` set for each required slot, when every slot fits in 64 bits (the fast
    /// path's bitmask of seen fields); nil otherwise.
    let requiredMask: UInt64?

    init(schema: Schema, required: Set<String>, options: DecoderOptions) {
        self.schema = schema
        self.options = options
        maxRecordBytes = options.maxRecordBytes
        timeRange = options.validTimeRange
        var names = schema.names
        var kinds = schema.fields.map { field in
            // The event-type check needs the type's strings.
            field.type == .string && options.fingerprintedFields.contains(field.name)
                && !(field.name == "type" && options.allowedTypes != nil)
                ? SlotKind.fingerprint : SlotKind(field.type)
        }
        columnCount = schema.count
        func slot(named name: String) -> Int? { names.firstIndex(of: name) }
        var types = schema.fields.map(\.type)
        var checkedNonNullable: [String] = []
        for field in options.checkedFields where slot(named: field.name) == nil {
            // The event-type check reads the string table of a kept or hidden string slot.
            if field.name == "type" && options.allowedTypes != nil { continue }
            names.append(field.name)
            kinds.append(SlotKind(checked: field.type))
            types.append(field.type)
            if !field.nullable { checkedNonNullable.append(field.name) }
        }
        checkedEnd = names.count

        var typeSlot = -1
        if options.allowedTypes != nil {
            if let existing = slot(named: "type") {
                if kinds[existing] == .string { typeSlot = existing }
            } else {
                names.append("type")
                kinds.append(.string)
                types.append(.string)
                typeSlot = names.count - 1
            }
        }
        var requiredNames = required
        for field in schema.fields where !field.nullable { requiredNames.insert(field.name) }
        requiredNames.formUnion(checkedNonNullable)
        var requiredSlots: [Int] = []
        for name in requiredNames.sorted() {
            if let existing = slot(named: name) {
                requiredSlots.append(existing)
            } else {
                names.append(name)
                kinds.append(.presence)
                types.append(.string)
                requiredSlots.append(names.count - 1)
            }
        }
        // Check in schema order so the first missing field named is predictable.
        self.requiredSlots = requiredSlots.sorted()
        self.typeSlot = typeSlot

        var timeSlot = -1
        if let timeField = options.timeField, let existing = slot(named: timeField), existing < checkedEnd,
            kinds[existing].valueKind == .int64 || kinds[existing].valueKind == .timestamp
        {
            timeSlot = existing
        }
        self.timeSlot = timeSlot

        var tableOfSlot = [Int](repeating: -1, count: names.count)
        var tables = 0
        for (slot, kind) in kinds.enumerated() where kind == .string {
            tableOfSlot[slot] = tables
            tables += 1
        }
        self.tableOfSlot = tableOfSlot
        tableCount = tables
        self.names = names
        self.kinds = kinds
        self.types = types
        lookup = FieldLookup(names: names)
        requiredMask =
            names.count <= 64 ? self.requiredSlots.reduce(UInt64(0)) { $0 | UInt64(1) << UInt64($1) } : nil
        kindPointer = .allocate(capacity: max(kinds.count, 1))
        kindPointer.initialize(from: kinds, count: kinds.count)
        requiredPointer = .allocate(capacity: max(self.requiredSlots.count, 1))
        requiredPointer.initialize(from: self.requiredSlots, count: self.requiredSlots.count)
        tablePointer = .allocate(capacity: max(tableOfSlot.count, 1))
        tablePointer.initialize(from: tableOfSlot, count: tableOfSlot.count)
    }

    deinit {
        kindPointer.deallocate()
        requiredPointer.deallocate()
        tablePointer.deallocate()
    }

    var slotCount: Int { names.count }
}
