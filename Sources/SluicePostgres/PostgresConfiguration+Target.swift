internal import CLibPQ

extension PostgresConfiguration {
    /// `host:port/database` for messages: never the user, password or options.
    public var redactedTarget: String {
        guard let options = PQconninfoParse(uri, nil) else { return "(unparsable URI)" }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        let host = values["host"] ?? values["hostaddr"] ?? "localhost"
        return "\(host):\(values["port"] ?? "5432")/\(values["dbname"] ?? "")"
    }
}
