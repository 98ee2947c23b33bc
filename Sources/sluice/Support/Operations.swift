public import ArgumentParser
import Dispatch
import Foundation
import Logging
public import SluiceOps
import SluicePipeline
import SluiceRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon side of `sluice run`: the logger, the HTTP endpoints and the shutdown
/// deadline.
enum Operations {
    /// Exit status when a graceful stop did not finish within `--shutdown-timeout`.
    static let deadlineExitCode: Int32 = 3

    static func logger(format: LogFormat) -> Logger {
        var logger = Logger(label: "sluice") { label in LineLogHandler(label: label, format: format) }
        // Text is for people: notices and errors only, as sluice always printed them (the
        // summary on standard output says the rest). Structured formats get every
        // lifecycle line.
        logger.logLevel = format == .text ? .notice : .info
        return logger
    }

    /// One line per pipeline as it starts: its connectors (redacted) and partitions.
    static func logStart(_ planned: PlannedPipeline, job: Job, logger: Logger) {
        logger.info(
            "starting",
            metadata: [
                "pipeline": "\(planned.spec.name)",
                "sources": "\(planned.spec.sources.map { "\($0.name)=\($0.uri.redacted)" }.joined(separator: ","))",
                "sinks": "\(planned.spec.sinks.map { "\($0.name)=\($0.uri.redacted)" }.joined(separator: ","))",
                "partitions": "\(job.options.partitions)", "workers": "\(job.options.workers)",
            ])
    }

    /// One line per job that ended, with its counts or its error.
    static func logEnd(_ outcome: JobGroup.Outcome, logger: Logger) {
        switch outcome.result {
        case .success(let summary):
            logger.info(
                "\(summary.outcome.rawValue)",
                metadata: [
                    "pipeline": "\(outcome.name)", "events": "\(summary.eventsIn)", "rejected": "\(summary.rejected)",
                    "epochs": "\(summary.epochsCommitted)", "seconds": "\(String(format: "%.1f", summary.elapsedSeconds))",
                ])
        case .failure(let error):
            logger.error("the run failed", metadata: ["pipeline": "\(outcome.name)", "error": "\(error)"])
        }
    }

    /// What a pipeline still had in hand when the deadline passed, for the last log line.
    static func leftOver(_ name: String, _ job: Job) -> String {
        let status = job.status
        let inbox = status.partitions.reduce(0) { $0 + $1.inboxDepth }
        let queued = status.sinks.reduce(0) { $0 + $1.backlog }
        return "\(name): \(inbox) batch(es) in partition inboxes, \(queued) batch(es) queued for sinks, "
            + "last committed epoch \(status.lastEpoch); events after it were not acknowledged and will be read again"
    }

    /// Arms the deadline once a graceful stop begins: past `timeout`, logs what was left
    /// and exits with `deadlineExitCode`. Returns the timer (keep it referenced).
    static func armDeadline(_ timeout: Duration, group: JobGroup, logger: Logger) -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let millis = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        timer.schedule(deadline: .now() + .milliseconds(millis))
        timer.setEventHandler {
            let left = group.unfinished
            let details = group.jobs.filter { left.contains($0.name) }.map { leftOver($0.name, $0.job) }
            logger.error(
                "shutdown deadline passed; exiting without the final commit of \(left.joined(separator: ", "))",
                metadata: ["timeout": "\(timeout)", "unfinished": "\(left.joined(separator: ","))"])
            for line in details { logger.error("left: \(line)") }
            exit(deadlineExitCode)
        }
        timer.resume()
        return timer
    }
}

// LogFormat is ours (SluiceOps); the conformance lives with the only command line that parses it.
extension LogFormat: ExpressibleByArgument {}
