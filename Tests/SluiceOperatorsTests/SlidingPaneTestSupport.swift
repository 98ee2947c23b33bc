import SluiceCore
import Testing

@testable import SluiceOperators

/// Randomized sliding-window workloads for the pane engine tests: disordered events in
/// randomly split batches, watermarks trailing by one slide, processing-time ticks, and
/// lateness of two slides, so rows land in open windows, update fired ones, or are late.
enum SlidingWorkload {
    static func lateness(_ slide: Int64) -> Int64 { 2 * slide }

    static func makeOperator(size: Int64, slide: Int64, paned: Bool) -> KeyedAggregateOperator {
        let op = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent", "metric"], timeField: "ts",
            window: .sliding(sizeMillis: size, slideMillis: slide), aggregates: AggregateReference.specs.map(\.spec),
            allowedLatenessMillis: lateness(slide), partialEveryMillis: 1_000)
        // Either engine for any ratio (the operator picks the direct one when size == slide).
        let context = op.engine.context
        op.engine =
            paned
            ? PaneEngine(context: context, size: size, slide: slide)
            : WindowedEngine(context: context, size: size, slide: slide)
        return op
    }

    static func steps(seed: UInt64, size: Int64, slide: Int64, batches: Int = 30) -> [Step] {
        var rng = SplitMix64(seed: seed)
        var steps: [Step] = []
        var now: Int64 = 0
        var maxTime: Int64 = .min
        var base: Int64 = 1_000_000
        for _ in 0..<batches {
            var events = TestInput.randomEvents(
                count: Int.random(in: 1...150, using: &rng), agents: 4, span: 1, rng: &rng)
            for i in events.indices {
                base += Int64.random(in: 0...(slide / 5), using: &rng)
                let roll = Int.random(in: 0..<100, using: &rng)
                // Mostly within the watermark bound, some behind fired windows, a few past
                // every window's lateness.
                let disorder = roll < 80 ? slide / 2 : roll < 95 ? 3 * slide : size + 4 * slide
                events[i].ts = roll == 0 ? nil : base - Int64.random(in: 0...disorder, using: &rng)
                if let ts = events[i].ts { maxTime = max(maxTime, ts) }
            }
            // The batch cut at random points.
            var i = 0
            while i < events.count {
                let n = min(Int.random(in: 1...60, using: &rng), events.count - i)
                steps.append(.rows(Array(events[i..<(i + n)])))
                i += n
            }
            steps.append(.watermark(maxTime - slide))
            if Int.random(in: 0..<3, using: &rng) == 0 {
                now += Int64.random(in: 500...1_500, using: &rng)
                steps.append(.tick(now))
            }
        }
        steps.append(.watermark(.max))
        return steps
    }

    /// The events each window accepted, by "agent|metric|window_start": an event joins
    /// every window of it not yet past `end + lateness` at the watermark before its batch.
    static func acceptedEvents(_ steps: [Step], size: Int64, slide: Int64) -> (groups: [String: [Event]], late: Int) {
        var groups: [String: [Event]] = [:]
        var late = 0
        var watermark = EventTime.beginningOfTime
        for step in steps {
            switch step {
            case .watermark(let t): watermark = max(watermark, t)
            case .rows(let events):
                for e in events {
                    guard let ts = e.ts else {
                        late += 1
                        continue
                    }
                    var accepted = false
                    var start = WindowMath.alignDown(ts, to: slide)!
                    while start + size > ts {
                        if start + size + lateness(slide) > watermark {
                            groups["\(e.agent)|\(e.metric)|\(start)", default: []].append(e)
                            accepted = true
                        }
                        start -= slide
                    }
                    if !accepted { late += 1 }
                }
            default: break
            }
        }
        return (groups, late)
    }
}

/// Whether two output rows are equal, floating values within rounding (a window's
/// floating sums and moments are added pane by pane in the pane engine).
func sameRow(_ a: [String: Value], _ b: [String: Value]) -> Bool {
    guard Set(a.keys) == Set(b.keys) else { return false }
    for (name, x) in a {
        let y = b[name]!
        if case .double(let u) = x, case .double(let v) = y {
            if abs(u - v) > 1e-9 * max(1, abs(v)) { return false }
        } else if x != y {
            return false
        }
    }
    return true
}
