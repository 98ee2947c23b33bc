/// One named, typed column of a schema.
public struct Field: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var type: DataType
    public var nullable: Bool

    public init(_ name: String, _ type: DataType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }

    public var description: String { "\(name): \(type)\(nullable ? "?" : "")" }
}

/// An ordered list of fields; every `Batch` carries one.
public struct Schema: Sendable, Hashable, CustomStringConvertible {
    public private(set) var fields: [Field]
    private var positions: [String: Int]

    public init(_ fields: [Field]) {
        self.fields = fields
        var positions: [String: Int] = [:]
        for (index, field) in fields.enumerated() where positions[field.name] == nil {
            positions[field.name] = index
        }
        self.positions = positions
    }

    public static let empty = Schema([])

    public var count: Int { fields.count }
    public var names: [String] { fields.map(\.name) }

    /// The position of a field, or nil when the schema has no field of that name.
    public func index(of name: String) -> Int? { positions[name] }

    public func field(named name: String) -> Field? { index(of: name).map { fields[$0] } }

    public subscript(index: Int) -> Field { fields[index] }

    /// A schema with only the named fields, in the given order.
    public func project(_ names: [String]) -> Schema {
        Schema(names.compactMap { field(named: $0) })
    }

    public func appending(_ field: Field) -> Schema { Schema(fields + [field]) }

    public var description: String { "(" + fields.map(\.description).joined(separator: ", ") + ")" }

    public static func == (lhs: Schema, rhs: Schema) -> Bool { lhs.fields == rhs.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(fields) }
}
