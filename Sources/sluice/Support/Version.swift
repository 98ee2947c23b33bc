/// The version `sluice --version` prints. Bump it with every release; the pipeline file
/// format and the snapshot formats carry their own versions.
enum SluiceVersion {
    static let text = "0.1.0"
}
