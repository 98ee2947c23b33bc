import SluiceCore

/// The errors the file connectors throw.
enum SluiceErrorFactory {
    static func io(_ message: String) -> SluiceError { SluiceError(.io, message) }
    static func invalid(_ message: String) -> SluiceError { SluiceError(.invalidArgument, message) }
}
