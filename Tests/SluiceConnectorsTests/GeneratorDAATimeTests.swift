import SluiceConnectors
import SluiceCore
import Testing

@Suite struct GeneratorDAATimeTests {
    @Test func disorderStaysWithinTheBoundAndLateEventsAreMinutesLate() throws {
        let options = DAAGeneratorOptions(
            agents: 200, limit: .count(30_000), disorderMillis: 3000, lateFraction: 0.01, duplicateFraction: 0)
        let batches = try GeneratorRead.batches(DAAGeneratorSource(options: options))
        let ts = GeneratorRead.ints(batches, "ts")
        let agents = GeneratorRead.strings(batches, "agent_id").map { $0! }
        var maxSeen = ts[0]
        var late = 0
        var lastOnTime: [String: Int64] = [:]
        for (row, t) in ts.enumerated() {
            // Late events are at least a minute behind their on-time place, which is itself
            // at most the disorder bound behind the stream; 50 s separates the two kinds.
            if t <= maxSeen - 50_000 {
                late += 1
                #expect(t >= maxSeen - 300_000 - 3000)
                continue
            }
            #expect(t >= maxSeen - 3000, "row \(row) is \(maxSeen - t) ms behind, more than the disorder bound")
            // Apart from late events, each agent's events come in time order.
            #expect(t >= lastOnTime[agents[row], default: .min])
            lastOnTime[agents[row]] = t
            maxSeen = max(maxSeen, t)
        }
        #expect((150...450).contains(late), "late events: \(late)")
    }

    @Test func withoutDisorderEventTimeNeverGoesBack() throws {
        let options = DAAGeneratorOptions(
            agents: 50, limit: .count(5000), disorderMillis: 0, lateFraction: 0, duplicateFraction: 0)
        let ts = GeneratorRead.ints(try GeneratorRead.batches(DAAGeneratorSource(options: options)), "ts")
        #expect(zip(ts, ts.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(ts.first == options.startMillis)
        #expect(ts.last == options.startMillis + 4999 / 10)
    }

    @Test func durationLimitCoversThatMuchEventTime() throws {
        let oneSplit = try DAAGeneratorSource(options: DAAGeneratorOptions(agents: 20, limit: .duration(.seconds(2))))
        #expect(oneSplit.isBounded)
        #expect(try GeneratorRead.batches(oneSplit).reduce(0) { $0 + $1.count } == 20_000)
        let twoSplits = try DAAGeneratorSource(
            options: DAAGeneratorOptions(agents: 20, limit: .duration(.milliseconds(1500)), splits: 2))
        for split in 0..<2 {
            #expect(try GeneratorRead.batches(twoSplits, split: split).reduce(0) { $0 + $1.count } == 7500)
        }
        #expect(!(try DAAGeneratorSource(options: DAAGeneratorOptions()).isBounded))
    }

    /// `count` events of 20 agents at `eventsPerSecond`, in order: none late, none repeated.
    private static func orderlyPaced(eventsPerSecond: Double, count: Int) -> DAAGeneratorOptions {
        DAAGeneratorOptions(
            agents: 20, eventsPerSecond: eventsPerSecond, limit: .count(count), disorderMillis: 0, lateFraction: 0,
            duplicateFraction: 0)
    }

    /// Reads a split to its end; returns the rows' event times, the `.idle` count, the
    /// wall-clock time taken and each batch's rows.
    private func drainPaced(_ options: DAAGeneratorOptions) throws -> (ts: [Int64], idles: Int, elapsed: Duration, rows: [Int]) {
        let reader = try DAAGeneratorSource(options: options).openSplit(0, resumingAfter: nil)
        let clock = ContinuousClock()
        let start = clock.now
        var idles = 0
        var ts: [Int64] = []
        var rows: [Int] = []
        while true {
            switch try reader.next(maxRows: 4096) {
            case .data(let batch, _):
                ts += batch.column(named: "ts")!.ints
                rows.append(batch.count)
            case .idle: idles += 1
            case .end: return (ts, idles, clock.now - start, rows)
            }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func aPacedGeneratorFollowsTheWallClock() throws {
        let options = Self.orderlyPaced(eventsPerSecond: 4000, count: 400)
        let (ts, _, elapsed, _) = try drainPaced(options)
        #expect(ts.count == 400)
        // 400 events at 4,000/s take 100 ms of wall-clock time and of event time.
        #expect(elapsed >= .milliseconds(90) && elapsed < .seconds(5), "\(elapsed)")
        #expect(ts.max()! - options.startMillis == 99)
    }

    @Test(.timeLimit(.minutes(5)))
    func aSlowPacedGeneratorReportsIdleWhileAheadOfSchedule() throws {
        let options = DAAGeneratorOptions(agents: 5, eventsPerSecond: 100, limit: .count(20), disorderMillis: 0)
        let (ts, idles, elapsed, _) = try drainPaced(options)
        #expect(ts.count == 20)
        // Events fall due every 10 ms, longer than a reader waits inside one call.
        #expect(idles > 0)
        #expect(elapsed >= .milliseconds(180), "\(elapsed)")
    }

    @Test(.timeLimit(.minutes(5)))
    func aPacedGeneratorLetsEventsOutInBurstsOfTenMilliseconds() throws {
        let (ts, _, elapsed, rows) = try drainPaced(Self.orderlyPaced(eventsPerSecond: 2000, count: 300))
        #expect(ts.count == 300)
        // 20 events fall due every 10 ms: no batch but the last has fewer.
        #expect(rows.dropLast().allSatisfy { $0 >= 20 }, "\(rows)")
        #expect(rows.count <= 15, "\(rows)")
        #expect(elapsed >= .milliseconds(140), "\(elapsed)")
    }
}
