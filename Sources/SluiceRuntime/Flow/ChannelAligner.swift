import SluiceCore

/// Merges several input channels into one ordered stream of events for an operator,
/// aligning epoch barriers and combining watermarks.
///
/// - Watermark: the minimum over channels that are not idle; it only moves forward. An
///   ended channel stands at +infinity. A *stopped* channel (graceful shutdown of an
///   unbounded input) keeps holding the watermark where it stopped: its remaining rows
///   are still to come after a restart, so windows they belong to must not fire now.
/// - Barriers (aligned, like Flink's): after barrier N arrives on a channel, that
///   channel's later payloads are held until every open channel has delivered N; then N
///   is released and the held payloads replay in order. A closed channel counts as
///   having delivered every later barrier.
struct ChannelAligner {
    private struct Channel {
        var input: Int
        var watermark: EventTime = .beginningOfTime
        var idle = false
        var closed = false
        var stopped = false
        var blocked = false
        var held: [ChannelPayload] = []
    }

    private var channels: [Channel]
    private var released: EventTime = .beginningOfTime
    private var blockedCount = 0
    private var pendingEpoch: Epoch?
    private var finished = false

    /// - Parameter inputs: the channel count of each operator input, in input order.
    init(channelsPerInput inputs: [Int]) {
        channels = []
        for (input, count) in inputs.enumerated() {
            channels.append(contentsOf: repeatElement(Channel(input: input), count: count))
        }
    }

    var currentWatermark: EventTime { released }

    /// Each channel's input, watermark and state, for inspection (`Job.watermarkProgress`).
    var channelProgress: [(input: Int, watermark: EventTime, idle: Bool, closed: Bool)] {
        channels.map { ($0.input, $0.watermark, $0.idle, $0.closed) }
    }

    /// Takes one payload from `channel`; appends what may now be released to `out`.
    mutating func receive(channel c: Int, _ payload: ChannelPayload, into out: inout [AlignedEvent]) {
        if channels[c].blocked {
            channels[c].held.append(payload)
            return
        }
        switch payload {
        case .batch(let batch, let rows, let origin):
            if channels[c].idle {
                channels[c].idle = false
            }
            let origin = origin ?? channels[c].watermark
            out.append(.batch(input: channels[c].input, channel: c, batch, rows: rows, origin: origin))
        case .rejections(let rejections, let source):
            out.append(.rejections(rejections, source: source))
        case .watermark(let w):
            if w > channels[c].watermark { channels[c].watermark = w }
            channels[c].idle = false
            emitWatermark(into: &out)
        case .idle(let isIdle):
            channels[c].idle = isIdle
            emitWatermark(into: &out)
        case .barrier(let epoch):
            channels[c].blocked = true
            blockedCount += 1
            pendingEpoch = epoch
            completeAlignment(into: &out)
        case .end, .stop:
            channels[c].closed = true
            if case .end = payload {
                channels[c].watermark = .endOfTime
            } else {
                channels[c].stopped = true
                // An idle channel that stops still bounds what the others may release.
                channels[c].idle = false
            }
            emitWatermark(into: &out)
            completeAlignment(into: &out)
            if !finished, channels.allSatisfy(\.closed) {
                finished = true
                out.append(channels.contains(where: \.stopped) ? .stop : .end)
            }
        }
    }

    private mutating func emitWatermark(into out: inout [AlignedEvent]) {
        var minimum: EventTime = .endOfTime
        var any = false
        for channel in channels where !channel.idle {
            any = true
            if channel.watermark < minimum { minimum = channel.watermark }
        }
        if any, minimum > released {
            released = minimum
            out.append(.watermark(minimum))
        }
    }

    private mutating func completeAlignment(into out: inout [AlignedEvent]) {
        guard let epoch = pendingEpoch else { return }
        let open = channels.reduce(0) { $0 + ($1.closed ? 0 : 1) }
        let blockedOpen = channels.reduce(0) { $0 + ($1.blocked && !$1.closed ? 1 : 0) }
        guard blockedOpen == open else { return }
        pendingEpoch = nil
        blockedCount = 0
        out.append(.barrier(epoch))
        // Replay what the blocked channels held, in channel order; a held payload may
        // itself be the next barrier, which blocks its channel again.
        var replay: [(Int, [ChannelPayload])] = []
        for i in channels.indices where channels[i].blocked {
            channels[i].blocked = false
            replay.append((i, channels[i].held))
            channels[i].held = []
        }
        for (i, payloads) in replay {
            for (k, payload) in payloads.enumerated() {
                if channels[i].blocked {
                    channels[i].held.append(contentsOf: payloads[k...])
                    break
                }
                receive(channel: i, payload, into: &out)
            }
        }
    }
}
