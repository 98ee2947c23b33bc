import SluiceCore
import SluicePipeline

/// Which sources a stored checkpoint's positions belong to.
///
/// A checkpoint keeps each source split's position under the source's name only. Started
/// with another source of the same name (`DAA_EVENTS` pointed at a file where a generator
/// ran before), a restore handed the generator's position to the file, which began reading
/// mid-line, and the de-duplication state kept the generator's ids. So `sluice run` saves
/// its sources' identity with every checkpoint (`RunOptions.checkpointAnnotations`) and
/// refuses to restore one saved with other sources, as a reload does (`StateCompatibility`).
///
/// The identity is each source's name and URI without its authority (user, password, host,
/// port): positions point into the same data when a broker moves or a password changes,
/// and the query stays because it names the data too (an AMQP `queue=`, a generator's
/// `seed=`). Checkpoints saved before this carry no identity and are restored as before.
enum CheckpointSources {
    static let key = "@sources"

    /// The identity of `spec`'s sources, one `name=scheme:path?query` line each.
    static func identity(of spec: PipelineSpec) -> String {
        spec.sources.map { "\($0.name)=\($0.uri.withoutAuthority)" }.joined(separator: "\n")
    }

    /// Why `checkpoint` cannot be restored by `spec`, or nil when it can (or carries no identity).
    static func mismatch(_ checkpoint: Checkpoint, spec: PipelineSpec) -> String? {
        guard let stored = checkpoint.states[key]?.first else { return nil }
        let storedText = String(decoding: stored, as: UTF8.self)
        let current = identity(of: spec)
        guard storedText != current else { return nil }
        func listed(_ text: String) -> String { text.split(separator: "\n").joined(separator: ", ") }
        return "the stored checkpoint (\(checkpoint.epoch)) was saved with other sources (\(listed(storedText)); now \(listed(current))): its positions and state belong to them"
    }

    /// Throws `mismatch`'s reason when `checkpoint` (the one about to be restored, if any)
    /// was saved with other sources than `spec`'s.
    static func verify(_ checkpoint: Checkpoint?, for spec: PipelineSpec) throws {
        if let checkpoint, let reason = mismatch(checkpoint, spec: spec) { throw SluiceError(.invalidArgument, reason) }
    }

    /// The annotation to save with each checkpoint of `spec`.
    static func annotation(of spec: PipelineSpec) -> [String: [UInt8]] { [key: Array(identity(of: spec).utf8)] }
}
