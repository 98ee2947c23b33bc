import ArgumentParser
import SluicePipeline
import SluiceRuntime

/// The end of a run: one summary per pipeline; any failure makes the exit status 1.
enum Summaries {
    /// Where a pipeline's dead letters go, for the summary line that accounts for them.
    struct DeadLetters {
        /// The destination as the user may print it (credentials redacted).
        var destination: String
        /// False when they are only counted (no destination kept them).
        var kept: Bool

        init(_ planned: PlannedPipeline) {
            destination = planned.spec.deadLetter.redacted
            kept = planned.deadLetter != nil
        }
    }

    /// `printFailures: false` when the caller's log already reported each failure as it
    /// happened (`sluice run`: one line in the chosen log format, no duplicate).
    static func print(
        _ outcomes: [JobGroup.Outcome], deadLetters: [String: DeadLetters] = [:], printFailures: Bool = true
    ) throws {
        var failed = false
        for outcome in outcomes {
            switch outcome.result {
            case .success(let summary):
                Swift.print("\(outcome.name): \(summary)")
                if let line = deadLetterLine(summary, deadLetters[outcome.name]) { Swift.print(line) }
            case .failure(let error):
                if printFailures { Terminal.printError("\(outcome.name): error: the run failed: \(error)") }
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// What the dead-letter destination received: records the decoder rejected and
    /// events de-duplication recognised as repeats both go there, each with its reason,
    /// so "0 rejected" never stands beside a file full of duplicates unexplained.
    static func deadLetterLine(_ summary: RunSummary, _ deadLetters: DeadLetters?) -> String? {
        guard summary.rejected + summary.duplicates > 0 else { return nil }
        let counts = "\(summary.rejected) rejected + \(summary.duplicates) duplicates"
        guard let deadLetters else { return "  dead letters: \(counts)" }
        if !deadLetters.kept { return "  dead letters: \(counts) (counted, not kept)" }
        return "  dead letters: \(counts) = \(summary.rejected + summary.duplicates) records to \(deadLetters.destination)"
    }
}
