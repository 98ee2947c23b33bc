/// A string's two `DedupeFingerprint` words: what a column in fingerprint form holds per
/// row (`Column.fingerprints`).
public struct StringFingerprint: Sendable, Hashable, BitwiseCopyable {
    public var w0: UInt64
    public var w1: UInt64

    @inlinable
    public init(_ w0: UInt64, _ w1: UInt64) {
        self.w0 = w0
        self.w1 = w1
    }
}
