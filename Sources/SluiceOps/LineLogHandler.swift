public import Foundation
public import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// How `sluice run` writes its log lines to standard error.
public enum LogFormat: String, Sendable, CaseIterable {
    /// For people: `sluice: MESSAGE (key=value ...)`.
    case text
    /// One `key=value` line per event: `ts=… level=info msg="…" pipeline=…`.
    case logfmt
    /// One JSON object per line.
    case json
}

/// A swift-log handler writing one line per event to standard error in a `LogFormat`.
///
/// Lifecycle events and errors only: nothing on the hot path logs. Callers put redacted
/// values in messages and metadata (URIs through `ConnectorURI.redacted`); the handler
/// writes what it is given.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    let format: LogFormat
    let label: String
    /// Where lines go (standard error unless a test collects them).
    let sink: @Sendable (String) -> Void

    public init(label: String, format: LogFormat, sink: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
        self.label = label
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        if let error = event.error { fields["error"] = "\(error)" }
        sink(Self.render(format, level: event.level, message: event.message.description, fields: fields, date: Date()) + "\n")
    }

    /// One line (without newline) in `format`.
    public static func render(
        _ format: LogFormat, level: Logger.Level, message: String, fields: Logger.Metadata, date: Date
    ) -> String {
        let keys = fields.keys.sorted()
        switch format {
        case .text:
            // As sluice always printed: the message alone, after the pipeline's name when
            // it concerns one (the context is for machines: logfmt and json carry it).
            let severity = level >= .error ? "error: " : level == .warning ? "warning: " : ""
            let prefix = fields["pipeline"].map { "\($0): " } ?? "sluice: "
            let error = fields["error"].map { ": \($0)" } ?? ""
            return prefix + severity + message + error
        case .logfmt:
            var parts = ["ts=\(timestamp(date))", "level=\(level)", "msg=\(logfmtValue(message))"]
            parts += keys.map { "\($0)=\(logfmtValue(fields[$0]!.description))" }
            return parts.joined(separator: " ")
        case .json:
            var object: [String: String] = ["ts": timestamp(date), "level": "\(level)", "msg": message]
            for key in keys where object[key] == nil { object[key] = fields[key]!.description }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// A logfmt value: bare when it has no space, quote, `=` or control character.
    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline || $0 == "\\" }
        guard needsQuotes else { return value }
        var escaped = ""
        for character in value {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return "\"" + escaped + "\""
    }

    /// Writes to file descriptor 2 in one `write` per line where it can (lines from
    /// several threads do not interleave).
    public static let standardError: @Sendable (String) -> Void = { line in
        var text = line
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
