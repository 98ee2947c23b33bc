/// A failure of liblz4, translated in one place (`LZ4Error.check`).
public struct LZ4Error: Error, Sendable, CustomStringConvertible {
    /// The wrapper call that failed, e.g. `compressUpdate`, `decompress`.
    public var operation: String
    /// liblz4's error name (`ERROR_contentChecksum_invalid`), or this module's reason.
    public var reason: String

    public init(operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "lz4 \(operation): \(reason)" }
}
