import Foundation
import SluiceCore
import SluiceRuntime

/// The JSON of `/pipelines/NAME/watermarks`: per partition and vertex, the watermark and
/// which input holds it back — the lowest open, non-idle channel (a source split, or an
/// upstream partition of an exchange) — plus the idle and closed ones. This is the
/// "why has this window not fired" half that does not need keyed state: a window fires
/// once the vertex's watermark passes its end, and `holding` names what it waits for.
struct WatermarksReport: JSONReport {
    struct Channel: Encodable {
        var channel: Int
        var input: Int
        /// "source/N" for a source split; nil for a channel from an upstream step (a forward
        /// edge, or on an exchange the upstream partition numbered channel - offset).
        var split: String?
        var watermark: Int64?
        var watermarkUTC: String?
        var idle: Bool
        var closed: Bool
        /// For a channel from another step: the source split behind it, found through the graph.
        var source: SourceBehind?
    }

    struct Vertex: Encodable {
        var partition: Int
        var vertex: String
        var watermark: Int64?
        var watermarkUTC: String?
        var holding: Channel?
        var idle: [Channel]
        var channels: [Channel]
    }

    var pipeline: String
    /// Partitions that did not answer within the timeout (busy or stuck).
    var unanswered: [Int]
    var vertices: [Vertex]

    init(_ pipeline: OpsState.Pipeline, timeout: Duration) {
        self.pipeline = pipeline.name
        let progress = pipeline.job.watermarkProgress(within: timeout)
        let answered = Set(progress.map(\.partition))
        unanswered = (0..<pipeline.job.options.partitions).filter { !answered.contains($0) }
        vertices = progress.flatMap { partition in
            partition.vertices.map { vertex in
                let channel = { Self.channel($0, progress: progress) }
                return Vertex(
                    partition: partition.partition, vertex: vertex.vertex, watermark: PipelinesReport.real(vertex.watermark),
                    watermarkUTC: PipelinesReport.iso(PipelinesReport.real(vertex.watermark)),
                    holding: vertex.holding.map(channel), idle: vertex.channels.filter(\.idle).map(channel),
                    channels: vertex.channels.map(channel))
            }
        }
    }

    /// `progress`: every partition's, to follow a channel from another step to its source split.
    static func channel(_ c: ChannelProgress, progress: [PartitionProgress]) -> Channel {
        Channel(
            channel: c.channel, input: c.input, split: c.split, watermark: PipelinesReport.real(c.watermark),
            watermarkUTC: PipelinesReport.iso(PipelinesReport.real(c.watermark)), idle: c.idle, closed: c.closed,
            source: SourceBehind.resolve(c, in: progress))
    }
}
