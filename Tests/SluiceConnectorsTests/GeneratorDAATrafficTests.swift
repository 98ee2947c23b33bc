import SluiceConnectors
import SluiceCore
import Testing

/// One default-options stream of 100,000 events, generated once for all traffic tests.
private struct Sample: Sendable {
    static let events = 100_000
    static let options = DAAGeneratorOptions(limit: .count(events))
    static let shared = Sample()

    let batches: [Batch]
    /// Row number → (batch, row within it).
    private let locations: [(batch: Int, row: Int)]
    let types: [String]
    let ids: [String]
    let agents: [String]
    let ts: [Int64]

    init() {
        let batches = try! GeneratorRead.batches(DAAGeneratorSource(options: Self.options))
        self.batches = batches
        locations = batches.indices.flatMap { b in (0..<batches[b].count).map { (batch: b, row: $0) } }
        types = GeneratorRead.strings(batches, "type").map { $0! }
        ids = GeneratorRead.strings(batches, "id").map { $0! }
        agents = GeneratorRead.strings(batches, "agent_id").map { $0! }
        ts = GeneratorRead.ints(batches, "ts")
    }

    /// Row indices with duplicates (a later row with an id seen before) left out.
    var firstDeliveries: [Int] {
        var seen = Set<String>()
        return ids.indices.filter { seen.insert(ids[$0]).inserted }
    }

    func value(_ field: String, _ row: Int) -> Value {
        let location = locations[row]
        return batches[location.batch].value(row: location.row, column: field)
    }
}

@Suite struct GeneratorDAATrafficTests {
    private let sample = Sample.shared

    @Test func trafficMixFollowsTheEventContract() {
        var counts: [String: Int] = [:]
        for type in sample.types { counts[type, default: 0] += 1 }
        func share(_ types: String...) -> Double {
            Double(types.reduce(0) { $0 + counts[$1, default: 0] }) / Double(Sample.events)
        }
        #expect(abs(share("metric") - 0.80) < 0.02)
        #expect(abs(share("pattern.applied") - 0.08) < 0.01)
        #expect(abs(share("knowledge.retrieved") - 0.05) < 0.01)
        #expect(abs(share("workflow.started", "workflow.step_completed", "workflow.completed", "workflow.failed") - 0.04) < 0.01)
        #expect(abs(share("learning.progress") - 0.02) < 0.005)
        for rare in ["agent.adapted", "pattern.updated", "knowledge.shared", "learning.transfer", "agent.destroyed"] {
            #expect(share(rare) > 0 && share(rare) < 0.01, "\(rare): \(share(rare))")
        }
        #expect(share("agent.created") >= 1000.0 / Double(Sample.events) && share("agent.created") < 0.02)
        #expect(Set(sample.types) == DAA.eventTypes, "every event type appears, and nothing else")
    }

    @Test func idsAreUniqueExceptDeliberateRedeliveries() {
        var firstRow: [String: Int] = [:]
        var duplicates = 0
        for (row, id) in sample.ids.enumerated() {
            guard let first = firstRow[id] else {
                firstRow[id] = row
                continue
            }
            duplicates += 1
            // A redelivery repeats the earlier event exactly.
            for field in DAA.schema.names where sample.value(field, first) != sample.value(field, row) {
                Issue.record("duplicate \(id) differs in \(field)")
            }
        }
        // duplicateFraction 0.001 of 100,000 events.
        #expect((50...170).contains(duplicates), "duplicates: \(duplicates)")
        #expect(sample.ids[0] == "g42-0-0")
    }

    @Test func agentsAreCreatedBeforeAnythingElseAndAfterDestruction() {
        var alive: [String: Bool] = [:]
        var destroyed = 0
        for row in sample.firstDeliveries {
            let agent = sample.agents[row]
            let type = sample.types[row]
            if alive[agent] != true {
                #expect(type == "agent.created", "first event of \(agent) (again) is \(type)")
            }
            switch type {
            case "agent.created":
                #expect(alive[agent] != true, "\(agent) created twice")
                alive[agent] = true
            case "agent.destroyed":
                alive[agent] = false
                destroyed += 1
            default: break
            }
        }
        #expect(alive.count == 1000, "every agent appears")
        #expect(destroyed > 0)
    }

    @Test func workflowLifecyclesAreCoherent() {
        struct Run {
            var agent: String
            var steps: Int
            var startedTs: Int64
            var lastTs: Int64
            var stepsDone = 0
            var finished = false
            var failedStep = false
        }
        var runs: [String: Run] = [:]
        var completed = 0
        var failed = 0
        for row in sample.firstDeliveries where sample.types[row].hasPrefix("workflow.") {
            guard case .string(let id) = sample.value("workflow_id", row) else {
                Issue.record("workflow event without workflow_id")
                continue
            }
            let type = sample.types[row]
            let ts = sample.ts[row]
            if type == "workflow.started" {
                #expect(runs[id] == nil, "\(id) started twice")
                guard case .int(let steps) = sample.value("steps", row) else {
                    Issue.record("workflow.started without steps")
                    continue
                }
                #expect((1...6).contains(steps))
                #expect(["parallel", "sequential", "adaptive"].contains(sample.value("strategy", row).asString ?? ""))
                runs[id] = Run(agent: sample.agents[row], steps: Int(steps), startedTs: ts, lastTs: ts)
                continue
            }
            guard var run = runs[id] else {
                Issue.record("\(type) of \(id) before its workflow.started")
                continue
            }
            #expect(!run.finished, "\(type) after \(id) finished")
            #expect(run.agent == sample.agents[row], "\(id) changed agent")
            #expect(ts >= run.lastTs, "\(id) went back in time")
            switch type {
            case "workflow.step_completed":
                #expect(!run.failedStep && run.stepsDone < run.steps)
                #expect(sample.value("duration_ms", row) == .double(Double(ts - run.lastTs)))
                #expect(sample.value("step", row).asString != nil)
                run.stepsDone += 1
                run.failedStep = sample.value("success", row) == .bool(false)
            case "workflow.completed":
                #expect(run.stepsDone == run.steps && !run.failedStep, "\(id) completed early")
                #expect(sample.value("duration_ms", row) == .double(Double(ts - run.startedTs)))
                run.finished = true
                completed += 1
            case "workflow.failed":
                #expect(sample.value("error", row).asString != nil)
                run.finished = true
                failed += 1
            default:
                Issue.record("unknown workflow type \(type)")
            }
            run.lastTs = ts
            runs[id] = run
        }
        let unfinished = runs.values.filter { !$0.finished }.count
        #expect(runs.count > 500)
        #expect(completed > failed && failed > 0)
        // A small share never finishes (abandoned, agent destroyed, or open at the end).
        #expect(unfinished > 0 && Double(unfinished) < 0.1 * Double(runs.count), "\(unfinished) of \(runs.count)")
    }

    @Test func fieldValuesAreRealistic() {
        let patterns = Set(DAA.cognitivePatterns)
        var domains = Set<String>()
        var lowScores = 0
        for row in sample.firstDeliveries {
            for field in ["performance_score", "confidence", "score", "proficiency"] {
                if case .double(let x) = sample.value(field, row) { #expect((0...1).contains(x), "\(field) \(x)") }
            }
            if case .double(let x) = sample.value("performance_score", row), x < 0.5 { lowScores += 1 }
            for field in ["cognitive_pattern", "pattern", "previous_pattern"] {
                if case .string(let p) = sample.value(field, row) { #expect(patterns.contains(p)) }
            }
            if case .string(let metric) = sample.value("metric", row) { #expect(DAA.metricNames.contains(metric)) }
            if case .string(let domain) = sample.value("domain", row) { domains.insert(domain) }
            #expect(sample.agents[row].count == 12 && sample.agents[row].hasPrefix("agent-"))
        }
        #expect(lowScores > 0, "some adaptations score below 0.5, so alerts fire")
        #expect(domains.count >= 40)
    }

    @Test func eventTimeAdvancesAtTheVirtualRate() {
        // 100,000 events at a virtual 10,000 events/s span about 10 s of event time.
        let start = Sample.options.startMillis
        let maxTs = sample.ts.max()!
        #expect(maxTs <= start + 10_000 && maxTs > start + 9_900)
        #expect(sample.ts.min()! >= start - 3000 - 300_000)
    }
}
