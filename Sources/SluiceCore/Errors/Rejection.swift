/// An input record that could not become an event, with the reason.
///
/// Rejections are never dropped: the runtime counts them and hands them to the
/// pipeline's dead-letter sink together with the raw bytes.
public struct Rejection: Sendable, Hashable, CustomStringConvertible {
    /// Why the record was rejected, e.g. `missing required field 'agent_id'`.
    public var reason: String
    /// The record's bytes as received (possibly invalid UTF-8).
    public var raw: [UInt8]
    /// Where the record came from (file line, delivery tag), if known.
    public var position: SourcePosition?
    /// For line-oriented inputs, the 1-based line number.
    public var line: Int64?

    public init(reason: String, raw: [UInt8], position: SourcePosition? = nil, line: Int64? = nil) {
        self.reason = reason
        self.raw = raw
        self.position = position
        self.line = line
    }

    public var description: String {
        (line.map { "line \($0): " } ?? "") + reason
    }
}

/// Errors the engine reports to its caller (configuration, I/O, corrupt snapshots).
public struct SluiceError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case invalidArgument, io, corruptSnapshot, unsupported, schemaMismatch, sinkFailed, sourceFailed
        /// Another worker owns the pipeline (or queue) now: this one must stop, not retry.
        case fenced
    }
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// `error` reported with `context` in front, as `code` unless it is a fence: a fenced
    /// save stays `.fenced` however many layers report it, so callers can match the code.
    public static func wrapping(_ error: any Error, as code: Code, _ context: String) -> SluiceError {
        let fenced = (error as? SluiceError)?.code == .fenced
        return SluiceError(fenced ? .fenced : code, "\(context): \(error)")
    }
}
