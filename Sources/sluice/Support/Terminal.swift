#if canImport(Glibc)
    import Glibc
#endif

/// Standard error and terminal detection.
enum Terminal {
    /// Writes `text` and a newline to standard error.
    static func printError(_ text: String) { writeError(text + "\n") }

    /// Writes `text` to standard error as is.
    static func writeError(_ text: String) {
        var line = text
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// True when standard error is a terminal (progress bars and status lines go there).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}
