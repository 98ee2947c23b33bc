import ArgumentParser
import SluicePipeline

/// A duration on the command line, written as in pipeline files: 30s, 5m, 1h30m.
struct DurationArgument: ExpressibleByArgument, Sendable {
    var duration: Duration

    init?(argument: String) {
        guard let millis = PipelineDurations.milliseconds(argument), millis > 0 else { return nil }
        duration = .milliseconds(millis)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
