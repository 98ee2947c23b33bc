import SluiceCore

/// Load-time checks and output layout shared by the interval and window joins.
enum JoinSchemas {
    /// Problems with the key and time fields of a two-input join (empty when valid).
    static func validateInputs(
        left: Schema, right: Schema, leftKeys: [String], rightKeys: [String], leftTime: String, rightTime: String
    ) -> [String] {
        var errors: [String] = []
        if leftKeys.isEmpty { errors.append("a join needs at least one key field") }
        if leftKeys.count != rightKeys.count {
            errors.append("left has \(leftKeys.count) key fields, right has \(rightKeys.count)")
        }
        for name in leftKeys where left.field(named: name) == nil { errors.append("unknown left key field '\(name)'") }
        for name in rightKeys where right.field(named: name) == nil {
            errors.append("unknown right key field '\(name)'")
        }
        for (l, r) in zip(leftKeys, rightKeys) {
            guard let lf = left.field(named: l), let rf = right.field(named: r) else { continue }
            if lf.type != rf.type {
                errors.append("key fields '\(l)' (\(lf.type)) and '\(r)' (\(rf.type)) have different types")
            }
        }
        for (side, schema, name) in [("left", left, leftTime), ("right", right, rightTime)] {
            if let field = schema.field(named: name) {
                if !field.type.isIntegerStorage {
                    errors.append("\(side) time field '\(name)' is \(field.type), expected timestamp or int")
                }
            } else {
                errors.append("unknown \(side) time field '\(name)'")
            }
        }
        return errors
    }

    /// The prefixed fields of both inputs followed by `extra`; reports names that clash.
    static func outputSchema(
        left: Schema, right: Schema, leftPrefix: String, rightPrefix: String, rightNullable: Bool, extra: [Field]
    ) -> (schema: Schema, errors: [String]) {
        var fields: [Field] = left.fields.map { Field(leftPrefix + $0.name, $0.type, nullable: $0.nullable) }
        fields += right.fields.map { Field(rightPrefix + $0.name, $0.type, nullable: $0.nullable || rightNullable) }
        fields += extra
        var seen: Set<String> = []
        var errors: [String] = []
        for field in fields where !seen.insert(field.name).inserted {
            errors.append("output field '\(field.name)' appears twice; choose prefixes that keep the names apart")
        }
        return (Schema(fields), errors)
    }
}
