import SluiceRuntime

/// The source split behind a channel fed by another step (a forward edge, or an exchange):
/// the walk goes to that step in the partition feeding the channel, takes its holding
/// channel, and so on until a source split. A step none of whose inputs holds (all idle or
/// closed) ends the walk with its idle splits.
struct SourceBehind: Encodable, Equatable {
    /// The source split ("source/N") holding the channel back; nil when the walk ended at a
    /// step whose inputs are all idle or closed (see `idle`), or one that did not answer.
    var split: String?
    var watermark: Int64?
    /// The steps walked through, nearest first, each with its partition ("map@0").
    var through: [String]
    /// Where the walk ended without a holding input: that step's idle source splits.
    var idle: [String]

    /// Nil for a channel that is a source split itself (or names no upstream step).
    static func resolve(_ channel: ChannelProgress, in progress: [PartitionProgress]) -> SourceBehind? {
        guard channel.split == nil, channel.upstream != nil else { return nil }
        var through: [String] = []
        var current = channel
        // A dataflow is acyclic: the bound only guards against a malformed answer.
        for _ in 0..<64 {
            guard let name = current.upstream, let partition = current.upstreamPartition else { break }
            through.append("\(name)@\(partition)")
            guard
                let vertex = progress.first(where: { $0.partition == partition })?.vertices.first(where: { $0.vertex == name })
            else { break }  // that partition did not answer in time
            guard let holding = vertex.holding else {
                let idle = vertex.channels.filter(\.idle).compactMap(\.split)
                return SourceBehind(split: nil, watermark: nil, through: through, idle: idle)
            }
            if let split = holding.split {
                return SourceBehind(split: split, watermark: PipelinesReport.real(holding.watermark), through: through, idle: [])
            }
            current = holding
        }
        return SourceBehind(split: nil, watermark: nil, through: through, idle: [])
    }

    /// "source split events/1 (through map@0)" for the inspector's sentences.
    var phrase: String {
        let via = " (through \(through.joined(separator: ", ")))"
        if let split { return "source split \(split)\(via)" }
        if !idle.isEmpty { return "idle source split(s) \(idle.joined(separator: ", "))\(via)" }
        return "an upstream step whose inputs did not answer\(via)"
    }
}
