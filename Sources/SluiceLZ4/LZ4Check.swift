import CLZ4

extension LZ4Error {
    /// The one place a liblz4 result becomes a Swift error: a `size_t` that is an error
    /// code throws with its name; anything else is the call's result.
    @discardableResult
    static func check(_ result: Int, _ operation: String) throws(LZ4Error) -> Int {
        if LZ4F_isError(result) != 0 {
            throw LZ4Error(operation: operation, reason: String(cString: LZ4F_getErrorName(result)))
        }
        return result
    }
}

/// The frame settings Sluice frames use: fast level, independent 256 KB blocks (a reader
/// can start at any frame; blocks of 256 KB are compressed straight from the caller's
/// bytes, larger ones would be copied into liblz4's buffer first), and, unless the caller
/// checks the frame bytes itself, a content checksum so a damaged frame is refused rather
/// than decoded into garbage.
enum LZ4Preferences {
    static func make(contentChecksum: Bool) -> LZ4F_preferences_t {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max256KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = contentChecksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum
        preferences.compressionLevel = 0
        return preferences
    }
}
