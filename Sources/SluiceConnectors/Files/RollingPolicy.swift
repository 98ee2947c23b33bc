import SluiceCore

/// How big an output file may grow: when the next write would take it past `maxBytes`,
/// the file is rolled — `path` becomes `path.1`, `path.1` becomes `path.2`, …, the oldest
/// beyond `keep` is deleted — and writing continues in a fresh `path`. So one output
/// never holds more than about `maxBytes × (keep + 1)` on disk.
///
/// Laws: files roll only between writes of whole records (a record is never split
/// across files); a single write larger than `maxBytes` still goes whole into one file;
/// the newest records are always in `path`, older ones in `path.1` … `path.keep`, in
/// that order. Rolling renames files; a crash between renames can leave one numbered
/// file missing, never a record in two files.
public struct RollingPolicy: Sendable, Equatable, CustomStringConvertible {
    /// The size at which the file rolls; nil means it never does.
    public var maxBytes: Int64?
    /// How many rolled files are kept beside the current one.
    public var keep: Int

    public init(maxBytes: Int64?, keep: Int) {
        precondition(maxBytes.map { $0 > 0 } ?? true, "maxBytes must be positive")
        precondition(keep >= 0, "keep must not be negative")
        self.maxBytes = maxBytes
        self.keep = keep
    }

    /// What file outputs do unless told otherwise: roll at 256 MB, keep 3 older files,
    /// so a long run of a default pipeline holds at most 1 GB per file output.
    public static let standard = RollingPolicy(maxBytes: 256 << 20, keep: 3)

    /// One file that grows without limit (what `max_bytes=0` asks for).
    public static let unbounded = RollingPolicy(maxBytes: nil, keep: 0)

    /// A policy from the text of the `max_bytes` and `keep` URI parameters; a missing one
    /// keeps its `standard` value. Sizes are bytes with an optional `KB`, `MB` or `GB`
    /// suffix (powers of 1024); `max_bytes=0` means no limit.
    ///
    /// - Throws: `SluiceError` `.invalidArgument` naming the parameter and the value.
    public static func parse(maxBytes: String?, keep: String?) throws -> RollingPolicy {
        var policy = RollingPolicy.standard
        if let text = maxBytes {
            guard let bytes = parseSize(text) else {
                throw SluiceError(.invalidArgument, "max_bytes must be a size such as 64MB or 1000000, got '\(text)'")
            }
            policy.maxBytes = bytes == 0 ? nil : bytes
        }
        if let text = keep {
            guard let count = Int(text), count >= 0 else {
                throw SluiceError(.invalidArgument, "keep must be a whole number of files (0 or more), got '\(text)'")
            }
            policy.keep = count
        }
        return policy
    }

    private static func parseSize(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
        let upper = text.uppercased()
        for (suffix, scale) in units where upper.hasSuffix(suffix) {
            guard let value = Int64(upper.dropLast(suffix.count)), value >= 0 else { return nil }
            let (bytes, overflow) = value.multipliedReportingOverflow(by: scale)
            return overflow ? nil : bytes
        }
        return Int64(upper).flatMap { $0 >= 0 ? $0 : nil }
    }

    public var description: String {
        guard let maxBytes else { return "unbounded" }
        return "rolls at \(maxBytes) bytes, keeps \(keep)"
    }
}
