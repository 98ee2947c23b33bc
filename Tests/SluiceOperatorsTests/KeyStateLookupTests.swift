import SluiceCore
import Testing

@testable import SluiceOperators

/// `KeyStateInspecting`: a key's windows are found for every engine, and looking a key up
/// never interns it (the partition's interner and tables are left as they were).
@Suite struct KeyStateLookupTests {
    private func op(_ window: WindowSpec?) -> KeyedAggregateOperator {
        KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent", "metric"], timeField: "ts", window: window,
            aggregates: [AggregateSpec("n", .count)], allowedLatenessMillis: 5_000)
    }

    private func feed(_ op: KeyedAggregateOperator, watermark: Int64) {
        var out = OperatorOutput()
        op.process(
            TestInput.batch([
                Event(agent: "a", ts: 1_000), Event(agent: "a", ts: 12_000), Event(agent: "b", ts: 13_000),
            ]), input: 0, into: &out)
        op.advanceWatermark(to: watermark, into: &out)
    }

    @Test func tumblingWindowsOfAKeyWithTheirFiringState() throws {
        let op = op(.tumbling(sizeMillis: 10_000))
        feed(op, watermark: 10_000)
        let state = try #require(op.keyState(for: ["a", "m"]))
        #expect(state.keyColumns == ["agent", "metric"])
        #expect(state.windowed && state.watermark == 10_000 && state.allowedLatenessMillis == 5_000)
        #expect(state.windows == [KeyWindow(start: 0, end: 10_000, fired: true), KeyWindow(start: 10_000, end: 20_000, fired: false)])
        #expect(op.keyState(for: ["b", "m"])?.windows == [KeyWindow(start: 10_000, end: 20_000, fired: false)])
        #expect(op.keyState(for: ["a"]) == nil, "wrong number of key parts")
    }

    @Test func aLookUpOfAnUnseenKeyInternsNothing() throws {
        let op = op(.tumbling(sizeMillis: 10_000))
        feed(op, watermark: 0)
        let strings = op.engine.context.interner.count
        let bytes = op.stateBytes
        #expect(op.keyState(for: ["never-seen", "m"])?.windows == [])
        #expect(op.keyState(for: ["a", "never-seen-either"])?.windows == [])
        #expect(op.engine.context.interner.count == strings)
        #expect(op.stateBytes == bytes)
    }

    @Test func slidingSessionAndFoldEnginesAnswerToo() throws {
        let sliding = op(.sliding(sizeMillis: 10_000, slideMillis: 5_000))
        feed(sliding, watermark: 0)
        #expect(
            sliding.keyState(for: ["b", "m"])?.windows == [
                KeyWindow(start: 5_000, end: 15_000, fired: false), KeyWindow(start: 10_000, end: 20_000, fired: false),
            ])
        let session = op(.session(gapMillis: 3_000))
        feed(session, watermark: 5_000)
        #expect(
            session.keyState(for: ["a", "m"])?.windows == [
                KeyWindow(start: 1_000, end: 4_000, fired: true), KeyWindow(start: 12_000, end: 15_000, fired: false),
            ])
        let fold = op(nil)
        feed(fold, watermark: 0)
        #expect(fold.keyState(for: ["a", "m"])?.windows == [KeyWindow(start: nil, end: nil, fired: false)])
        #expect(fold.keyState(for: ["c", "m"])?.windows == [])
    }
}
