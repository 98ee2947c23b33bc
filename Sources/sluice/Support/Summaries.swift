import ArgumentParser
import SluiceRuntime

/// The end of a run: one summary per pipeline; any failure makes the exit status 1.
enum Summaries {
    static func print(_ outcomes: [JobGroup.Outcome]) throws {
        var failed = false
        for outcome in outcomes {
            switch outcome.result {
            case .success(let summary):
                Swift.print("\(outcome.name): \(summary)")
            case .failure(let error):
                Terminal.printError("\(outcome.name): error: the run failed: \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
