import Foundation
import SluiceCore
import SluiceOperators
import SluiceRuntime

/// The JSON of `/pipelines/NAME/windows?key=…`: "why hasn't this key's window fired".
/// Per keyed step and partition holding state for the key: its windows with their ends,
/// the partition's watermark at that step, the input holding it back (the lowest open,
/// non-idle channel) and the idle ones, and for each window when it fires.
///
/// Read on each partition's queue (`Job.keyState`): the key is looked up, never interned,
/// so asking about a key the pipeline has not seen leaves no trace.
struct KeyWindowsReport: JSONReport {
    struct Window: Encodable {
        var start: Int64?
        var end: Int64?
        var startUTC: String?
        var endUTC: String?
        var fired: Bool
        /// When the window fires (or, once fired, until when it takes late updates).
        var fires: String
    }

    struct Step: Encodable {
        var partition: Int
        var vertex: String
        var keyColumns: [String]
        var watermark: Int64?
        var watermarkUTC: String?
        var holding: WatermarksReport.Channel?
        var idle: [WatermarksReport.Channel]
        var windows: [Window]
    }

    var pipeline: String
    var key: [String]
    /// Whether any partition holds state for the key.
    var found: Bool
    /// Partitions that did not answer within the timeout (busy or stuck).
    var unanswered: [Int]
    var steps: [Step]
    /// Keyed steps with as many key columns as values given (the ones asked); none means
    /// the key has the wrong number of parts for every keyed step.
    var keyedSteps: [String]

    init(_ pipeline: OpsState.Pipeline, key: [String], timeout: Duration) {
        self.pipeline = pipeline.name
        self.key = key
        let answers = pipeline.job.keyState(key, within: timeout)
        let answered = Set(answers.map(\.partition))
        unanswered = (0..<pipeline.job.options.partitions).filter { !answered.contains($0) }
        // Asked only when a holding channel comes from another step: to follow it to its source split.
        let fedByStep = answers.contains { $0.vertices.contains { $0.progress.holding.map { $0.split == nil } ?? false } }
        let progress = fedByStep ? pipeline.job.watermarkProgress(within: timeout) : []
        steps = answers.flatMap { partition in
            partition.vertices.filter { !$0.state.windows.isEmpty }.map {
                Self.step($0, partition: partition.partition, progress: progress)
            }
        }
        found = !steps.isEmpty
        keyedSteps = Array(Set(answers.flatMap { $0.vertices.map(\.progress.vertex) })).sorted()
    }

    private static func step(_ v: VertexKeyState, partition: Int, progress: [PartitionProgress]) -> Step {
        let channel = { WatermarksReport.channel($0, progress: progress) }
        let watermark = PipelinesReport.real(v.progress.watermark)
        let holding = v.progress.holding
        let behind = holding.flatMap { SourceBehind.resolve($0, in: progress) }
        return Step(
            partition: partition, vertex: v.progress.vertex, keyColumns: v.state.keyColumns, watermark: watermark,
            watermarkUTC: PipelinesReport.iso(watermark), holding: holding.map(channel),
            idle: v.progress.channels.filter(\.idle).map(channel),
            windows: v.state.windows.map { w in
                Window(
                    start: w.start, end: w.end, startUTC: PipelinesReport.iso(w.start), endUTC: PipelinesReport.iso(w.end),
                    fired: w.fired, fires: fires(w, state: v.state, watermark: v.progress.watermark, holding: holding, behind: behind))
            })
    }

    /// One sentence: when the window fires, and what it waits for.
    static func fires(
        _ w: KeyWindow, state: KeyState, watermark: EventTime?, holding: ChannelProgress?, behind: SourceBehind? = nil
    ) -> String {
        guard let end = w.end, state.windowed else { return "never fires: a running fold (no window) emits on every change" }
        let endText = PipelinesReport.iso(end) ?? "\(end)"
        if w.fired {
            let expiry = end.addingReportingOverflow(state.allowedLatenessMillis).partialValue
            return "fired; takes late updates until the watermark reaches \(PipelinesReport.iso(expiry) ?? "\(expiry)")"
        }
        let now = watermark.flatMap(PipelinesReport.real).map { "it is at \(PipelinesReport.iso($0)!), \(end - $0) ms of event time short" }
            ?? "no watermark yet"
        guard let holding else {
            return "fires when the watermark reaches \(endText) (\(now)); every input is idle or closed, so it waits for any input to move past it"
        }
        let input = holding.split.map { "source split \($0)" } ?? behind?.phrase ?? "upstream partition channel \(holding.channel)"
        let at = PipelinesReport.real(behind?.watermark ?? holding.watermark).map { "at \(PipelinesReport.iso($0)!)" }
            ?? "with no watermark yet"
        return "fires when the watermark reaches \(endText) (\(now)); held back by \(input) \(at)"
    }
}
