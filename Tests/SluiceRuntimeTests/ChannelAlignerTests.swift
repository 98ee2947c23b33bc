import SluiceCore
import Testing

@testable import SluiceRuntime

@Suite struct ChannelAlignerTests {
    private func watermarks(_ events: [AlignedEvent]) -> [EventTime] {
        events.compactMap { if case .watermark(let w) = $0 { w } else { nil } }
    }

    @Test func aStoppedChannelHoldsTheWatermarkWhereItStopped() {
        var aligner = ChannelAligner(channelsPerInput: [2])
        var out: [AlignedEvent] = []
        aligner.receive(channel: 0, .watermark(100), into: &out)
        aligner.receive(channel: 1, .watermark(5_000), into: &out)
        #expect(watermarks(out) == [100])
        out.removeAll()
        aligner.receive(channel: 0, .stop, into: &out)
        // Releasing 5,000 would fire windows the stopped channel's unread rows belong to.
        #expect(watermarks(out).isEmpty)
        #expect(aligner.currentWatermark == 100)
        aligner.receive(channel: 1, .watermark(9_000), into: &out)
        #expect(watermarks(out).isEmpty)
        aligner.receive(channel: 1, .stop, into: &out)
        #expect(out.contains { if case .stop = $0 { true } else { false } })
        #expect(aligner.currentWatermark == 100)
    }

    @Test func anEndedChannelNoLongerHoldsTheWatermark() {
        var aligner = ChannelAligner(channelsPerInput: [2])
        var out: [AlignedEvent] = []
        aligner.receive(channel: 0, .watermark(100), into: &out)
        aligner.receive(channel: 1, .watermark(5_000), into: &out)
        out.removeAll()
        aligner.receive(channel: 0, .end, into: &out)
        #expect(watermarks(out) == [5_000])
    }

    @Test func aStoppedChannelThatWasIdleHoldsFromItsLastWatermark() {
        var aligner = ChannelAligner(channelsPerInput: [2])
        var out: [AlignedEvent] = []
        aligner.receive(channel: 0, .watermark(100), into: &out)
        aligner.receive(channel: 0, .idle(true), into: &out)
        aligner.receive(channel: 1, .watermark(5_000), into: &out)
        #expect(aligner.currentWatermark == 5_000)
        out.removeAll()
        aligner.receive(channel: 0, .stop, into: &out)
        aligner.receive(channel: 1, .watermark(9_000), into: &out)
        // What was released while idle stands; nothing more until the channel is back.
        #expect(watermarks(out).isEmpty)
    }

    @Test func barriersAlignAcrossChannelsAndHeldPayloadsReplayInOrder() {
        var aligner = ChannelAligner(channelsPerInput: [2])
        var out: [AlignedEvent] = []
        aligner.receive(channel: 0, .barrier(Epoch(1)), into: &out)
        aligner.receive(channel: 0, .watermark(50), into: &out)
        #expect(out.isEmpty)
        aligner.receive(channel: 1, .watermark(70), into: &out)
        aligner.receive(channel: 1, .barrier(Epoch(1)), into: &out)
        #expect(out.count == 2)
        if case .barrier(let e) = out[0] { #expect(e == Epoch(1)) } else { Issue.record("barrier first: \(out)") }
        #expect(watermarks(out) == [50])
    }
}
