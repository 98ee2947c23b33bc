import Foundation
import SluiceConnectors
import SluiceCore

/// The `archive:` connector's parameters: time bounds for the source, rolling for the sink.
enum ArchiveRange {
    /// `from` and `to` of an archive source URI, in epoch milliseconds.
    static func bounds(_ uri: ConnectorURI) throws(CatalogError) -> (Int64?, Int64?) {
        var bounds: [Int64?] = []
        for name in ["from", "to"] {
            guard let text = uri.parameter(name) else {
                bounds.append(nil)
                continue
            }
            guard let millis = ArchiveTime.parseMillis(text) else {
                throw CatalogError(
                    uri: uri, message: "\(name)=\(text): expected epoch milliseconds, a date (2026-01-31) or an RFC 3339 time")
            }
            bounds.append(millis)
        }
        if let from = bounds[0], let to = bounds[1], to < from {
            throw CatalogError(uri: uri, message: "to is before from")
        }
        return (bounds[0], bounds[1])
    }

    static func sink(_ uri: ConnectorURI, name: String, timeSource: any TimeSource) throws(CatalogError) -> any Sink {
        var maxBytes: Int64 = 64 << 20
        if let text = uri.parameter("max_bytes") {
            do {
                maxBytes = try RollingPolicy.parse(maxBytes: text, keep: nil).maxBytes ?? .max
            } catch {
                throw CatalogError(uri: uri, message: "\(error)")
            }
        }
        var rollEvery: Int64 = 3_600_000
        if let text = uri.parameter("roll_every") {
            guard let millis = DurationSyntax.parseMillis(text) else {
                throw CatalogError(uri: uri, message: "roll_every=\(text): expected " + DurationSyntax.expected)
            }
            rollEvery = millis
        }
        var retention: Int64?
        if let text = uri.parameter("retention") {
            guard let millis = DurationSyntax.parseMillis(text), millis > 0 else {
                throw CatalogError(uri: uri, message: "retention=\(text): expected " + DurationSyntax.expected)
            }
            retention = millis
        }
        return ArchiveSink(
            name: name, directory: uri.path, timeField: uri.parameter("time_field") ?? "ts", maxBytes: maxBytes,
            rollEveryMillis: rollEvery, retentionMillis: retention, timeSource: timeSource)
    }
}

/// The times `archive:` ranges and `sluice batch --from/--to` accept.
public enum ArchiveTime {
    /// Epoch milliseconds, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time; nil otherwise.
    public static func parseMillis(_ text: String) -> Int64? {
        if let millis = Int64(text) { return millis }
        let formatter = ISO8601DateFormatter()
        if text.count == 10 {
            formatter.formatOptions = [.withFullDate]
        } else if text.contains(".") {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        }
        guard let date = formatter.date(from: text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
