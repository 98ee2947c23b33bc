import SluiceCore

/// The event sequence of one generator split: a deterministic state machine that yields
/// event after event, so any batching of its output gives the same rows and a reopened
/// split can replay its prefix and continue where it stood.
///
/// Agents of the split (global index `% splits == split`) go through a lifecycle: the first
/// event of an agent is always `agent.created`; after `agent.destroyed` the agent is
/// created anew before it emits again. Workflows run started → step_completed × n →
/// completed or failed, on one agent, in time order; a few are abandoned and never finish.
struct DAASplitGenerator {
    private struct AgentState {
        var created = false
        var pattern: String
        /// Event time of the agent's last on-time event: its events never go back before it.
        var lastTs: Int64 = .min
        var proficiency: Double
        /// The agent's constant delivery delay: the source of cross-agent disorder.
        let lag: Int64
        let homeDomain: Int
    }

    private struct OpenWorkflow {
        let id: String
        let agent: Int
        let steps: Int
        var stepsDone = 0
        var failedStep = false
        let startedTs: Int64
        var lastTs: Int64
        /// The step count after which the workflow is silently abandoned, or nil.
        let abandonAfter: Int?
    }

    private enum Kind {
        case metric, patternApplied, knowledgeRetrieved, workflow, learningProgress
        case agentAdapted, patternUpdated, knowledgeShared, learningTransfer, agentDestroyed
    }

    /// Cumulative shares of the traffic mix (`daa-events.md`, "Realistic traffic").
    private static let mix: [(Double, Kind)] = [
        (0.80, .metric), (0.88, .patternApplied), (0.93, .knowledgeRetrieved), (0.97, .workflow),
        (0.99, .learningProgress), (0.994, .agentAdapted), (0.9965, .patternUpdated), (0.9985, .knowledgeShared),
        (0.9995, .learningTransfer), (1.0, .agentDestroyed),
    ]

    /// Workflow slots that start a new run rather than advance an open one; with about 4.5
    /// events per run this keeps the set of open runs small and steady.
    private static let workflowStartShare = 0.16
    private static let maxOpenWorkflows = 256
    private static let abandonShare = 0.03
    /// Per-event jitter on top of an agent's lag, so agents' events also interleave.
    private static let maxJitterMillis: Int64 = 50
    private static let recentCapacity = 256

    let split: Int
    /// Events this split emits in total; nil when unbounded.
    let total: Int64?
    private(set) var emitted: Int64 = 0

    private let options: DAAGeneratorOptions
    private let idPrefix: String
    /// Milliseconds of event time per 1,000 events, as `k * millisPerThousand / 1000` is
    /// exact whenever the nominal time is a whole millisecond.
    private let millisPerThousand: Double
    private var random: GeneratorRandom
    private var agents: [AgentState]
    private let agentIds: [String]
    private let tenants: [String]
    private var workflows: [OpenWorkflow] = []
    private var workflowSerial = 0
    /// Recently emitted events, re-delivered as duplicates.
    private var recent: [DAAEvent] = []
    private var recentNext = 0

    init(options: DAAGeneratorOptions, split: Int) {
        self.options = options
        self.split = split
        let splits = options.splits
        idPrefix = "g\(options.seed)-\(split)-"
        let rate = options.eventsPerSecond ?? DAAGeneratorOptions.virtualEventsPerSecond
        millisPerThousand = 1_000_000.0 * Double(splits) / rate
        random = GeneratorRandom(seed: GeneratorRandom.mix(options.seed ^ (UInt64(split) &* 0xD6E8_FEB8_6659_FD93)))

        let jitter = min(options.disorderMillis, Self.maxJitterMillis)
        let lagRange = UInt64(options.disorderMillis - jitter)
        var agents: [AgentState] = []
        var ids: [String] = []
        var tenants: [String] = []
        var index = split
        while index < options.agents {
            let h = GeneratorRandom.mix(options.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
            agents.append(
                AgentState(
                    pattern: DAA.cognitivePatterns[Int(h % UInt64(DAA.cognitivePatterns.count))],
                    proficiency: Double((h >> 8) % 300) / 1000.0,
                    lag: lagRange == 0 ? 0 : Int64((h >> 20) % (lagRange + 1)),
                    homeDomain: Int((h >> 40) % UInt64(DAAVocabulary.domains.count))))
            ids.append(Self.agentId(index))
            tenants.append(DAAVocabulary.tenants[index % DAAVocabulary.tenants.count])
            index += splits
        }
        self.agents = agents
        agentIds = ids
        self.tenants = tenants
        total = Self.total(of: options, split: split, millisPerThousand: millisPerThousand)
    }

    /// `agent-%06d`.
    static func agentId(_ index: Int) -> String {
        let digits = String(index)
        return "agent-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    private static func total(of options: DAAGeneratorOptions, split: Int, millisPerThousand: Double) -> Int64? {
        switch options.limit {
        case .unbounded:
            return nil
        case .count(let n):
            return Int64(n / options.splits + (split < n % options.splits ? 1 : 0))
        case .duration(let duration):
            let (seconds, attoseconds) = duration.components
            let spanMillis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
            // The events whose nominal offset is below the span.
            var k = Int64((Double(spanMillis) * 1000 / millisPerThousand).rounded(.up))
            while k > 0 && nominalOffset(k - 1, millisPerThousand) >= spanMillis { k -= 1 }
            while nominalOffset(k, millisPerThousand) < spanMillis { k += 1 }
            return k
        }
    }

    /// Event k's offset from the start, floor(k × ms per event). Multiplying before
    /// dividing keeps whole-millisecond results exact (0.1 ms per event is not a binary
    /// fraction, but k × 100,000 / 1000 is exact).
    private static func nominalOffset(_ k: Int64, _ millisPerThousand: Double) -> Int64 {
        Int64((Double(k) * millisPerThousand / 1000).rounded(.down))
    }

    var isFinished: Bool { total.map { emitted >= $0 } ?? false }

    /// The next event, or nil when the split's limit is reached.
    mutating func next() -> DAAEvent? {
        if isFinished { return nil }
        let k = emitted
        emitted += 1
        let nominal = options.startMillis + Self.nominalOffset(k, millisPerThousand)
        if !recent.isEmpty && random.chance(options.duplicateFraction) {
            return recent[random.below(recent.count)]
        }
        let event = fresh(serial: k, nominal: nominal)
        remember(event)
        return event
    }

    /// Advances past `count` events (resuming after a position).
    mutating func skip(_ count: Int64) {
        var left = count
        while left > 0, next() != nil { left -= 1 }
    }

    private mutating func remember(_ event: DAAEvent) {
        if recent.count < Self.recentCapacity {
            recent.append(event)
        } else {
            recent[recentNext] = event
            recentNext = (recentNext + 1) % Self.recentCapacity
        }
    }

    private mutating func fresh(serial: Int64, nominal: Int64) -> DAAEvent {
        let kind = chooseKind()
        if kind == .workflow { return workflowEvent(serial: serial, nominal: nominal) }
        let agent = chooseAgent()
        if !agents[agent].created { return created(agent, serial: serial, nominal: nominal) }

        // Lifecycle events (creation, destruction, workflows) are never late.
        let late = kind != .agentDestroyed && random.chance(options.lateFraction)
        var event = envelope(type: Self.typeName(kind), agent: agent, serial: serial, nominal: nominal, late: late)
        switch kind {
        case .metric: fillMetric(&event)
        case .patternApplied: fillPatternApplied(&event, agent: agent)
        case .knowledgeRetrieved: fillKnowledgeRetrieved(&event, agent: agent)
        case .learningProgress: fillLearningProgress(&event, agent: agent)
        case .agentAdapted: fillAgentAdapted(&event, agent: agent)
        case .patternUpdated: fillPatternUpdated(&event, agent: agent)
        case .knowledgeShared: fillKnowledgeShared(&event, agent: agent)
        case .learningTransfer: fillLearningTransfer(&event, agent: agent)
        case .agentDestroyed:
            event.reason = random.pick(DAAVocabulary.destroyReasons)
            agents[agent].created = false
            // Its open runs die with it: they are part of the share that never finishes.
            workflows.removeAll { $0.agent == agent }
        case .workflow: preconditionFailure("workflow events are built by workflowEvent")
        }
        return event
    }

    private mutating func chooseKind() -> Kind {
        let u = random.unit()
        for (bound, kind) in Self.mix where u < bound { return kind }
        return .metric
    }

    /// Mostly uniform, with a tenth of the agents (the "hot" ones) drawing extra traffic.
    private mutating func chooseAgent() -> Int {
        if random.chance(0.3) { return random.below(max(1, agents.count / 10)) }
        return random.below(agents.count)
    }

    private static func typeName(_ kind: Kind) -> String {
        switch kind {
        case .metric: "metric"
        case .patternApplied: "pattern.applied"
        case .knowledgeRetrieved: "knowledge.retrieved"
        case .workflow: "workflow.started"
        case .learningProgress: "learning.progress"
        case .agentAdapted: "agent.adapted"
        case .patternUpdated: "pattern.updated"
        case .knowledgeShared: "knowledge.shared"
        case .learningTransfer: "learning.transfer"
        case .agentDestroyed: "agent.destroyed"
        }
    }

    /// Event time: nominal time less the agent's lag and a little jitter, never before the
    /// agent's previous on-time event; a late event is one to five minutes older instead.
    private mutating func eventTime(agent: Int, nominal: Int64, late: Bool) -> Int64 {
        let jitterBound = min(options.disorderMillis, Self.maxJitterMillis)
        let jitter = jitterBound == 0 ? 0 : Int64(random.below(Int(jitterBound)))
        let onTime = max(nominal - agents[agent].lag - jitter, agents[agent].lastTs)
        if late { return onTime - 60_000 - Int64(random.below(240_000)) }
        agents[agent].lastTs = onTime
        return onTime
    }

    private mutating func envelope(type: String, agent: Int, serial: Int64, nominal: Int64, late: Bool) -> DAAEvent {
        DAAEvent(
            id: idPrefix + String(serial), type: type, agentId: agentIds[agent],
            ts: eventTime(agent: agent, nominal: nominal, late: late), tenant: tenants[agent])
    }

    private mutating func created(_ agent: Int, serial: Int64, nominal: Int64) -> DAAEvent {
        var event = envelope(type: "agent.created", agent: agent, serial: serial, nominal: nominal, late: false)
        agents[agent].created = true
        event.cognitivePattern = agents[agent].pattern
        event.learningRate = random.pick(DAAVocabulary.learningRates)
        var capabilities: [String] = []
        for _ in 0..<(1 + random.below(3)) {
            let capability = random.pick(DAAVocabulary.capabilities)
            if !capabilities.contains(capability) { capabilities.append(capability) }
        }
        event.capabilities = "[" + capabilities.map { "\"" + $0 + "\"" }.joined(separator: ",") + "]"
        return event
    }

    private mutating func domain(of agent: Int) -> String {
        // Agents stay near their home domain most of the time.
        if random.chance(0.7) {
            let near = (agents[agent].homeDomain + random.below(3)) % DAAVocabulary.domains.count
            return DAAVocabulary.domains[near]
        }
        return random.pick(DAAVocabulary.domains)
    }

    private static func rounded(_ x: Double, _ places: Double) -> Double { (x * places).rounded() / places }

    private mutating func fillMetric(_ event: inout DAAEvent) {
        let index = random.below(DAA.metricNames.count)
        event.metric = DAA.metricNames[index]
        event.unit = DAAVocabulary.metricUnits[index]
        let u = random.unit()
        event.value =
            switch index {
            case 0: Self.rounded(2 * (1 + u * u * 249), 100)  // latency_ms: 2..500, mostly low
            case 1: (50 + u * 3950).rounded()  // tokens
            case 2: Self.rounded(128 + u * 3968, 10)  // memory_mb
            case 3: Self.rounded(u * 100, 10)  // cpu_pct
            case 4: (u * u * 200).rounded()  // queue_depth
            case 5: u < 0.85 ? 0 : (1 + u * 10).rounded(.down)  // errors
            case 6: Self.rounded(u, 1000)  // score
            default: Self.rounded(10 + u * 1990, 10)  // throughput
            }
    }

    private mutating func fillPatternApplied(_ event: inout DAAEvent, agent: Int) {
        event.pattern = random.chance(0.8) ? agents[agent].pattern : random.pick(DAA.cognitivePatterns)
        let success = random.chance(0.75)
        event.success = success
        event.score = Self.rounded(success ? random.double(in: 0.5...1) : random.double(in: 0...0.6), 1000)
    }

    private mutating func fillKnowledgeRetrieved(_ event: inout DAAEvent, agent: Int) {
        event.domain = domain(of: agent)
        let u = random.unit()
        event.latencyMs = Self.rounded(1 + u * u * u * 250, 100)
        event.hit = random.chance(0.8)
    }

    private mutating func fillLearningProgress(_ event: inout DAAEvent, agent: Int) {
        event.domain = domain(of: agent)
        let p = agents[agent].proficiency
        agents[agent].proficiency = p + (1 - p) * random.double(in: 0...0.05)
        event.proficiency = Self.rounded(agents[agent].proficiency, 10_000)
    }

    private mutating func fillAgentAdapted(_ event: inout DAAEvent, agent: Int) {
        // About a quarter of adaptations report a score below 0.5, which alerting pipelines flag.
        event.performanceScore = Self.rounded(random.double(in: 0.3...0.98), 1000)
        if random.chance(0.6) { agents[agent].pattern = random.pick(DAA.cognitivePatterns) }
        event.cognitivePattern = agents[agent].pattern
        event.feedback = random.pick(DAAVocabulary.feedback)
    }

    private mutating func fillPatternUpdated(_ event: inout DAAEvent, agent: Int) {
        let previous = agents[agent].pattern
        var next = random.pick(DAA.cognitivePatterns)
        if next == previous {
            next = DAA.cognitivePatterns[(DAA.cognitivePatterns.firstIndex(of: previous)! + 1) % DAA.cognitivePatterns.count]
        }
        agents[agent].pattern = next
        event.previousPattern = previous
        event.pattern = next
        event.confidence = Self.rounded(random.double(in: 0.3...1), 1000)
    }

    private mutating func fillKnowledgeShared(_ event: inout DAAEvent, agent: Int) {
        event.domain = domain(of: agent)
        var targets: [String] = []
        for _ in 0..<(1 + random.below(4)) {
            let target = Self.agentId(random.below(options.agents))
            if target != agentIds[agent] && !targets.contains(target) { targets.append(target) }
        }
        event.targetAgents = "[" + targets.map { "\"" + $0 + "\"" }.joined(separator: ",") + "]"
        event.items = Int64(1 + random.below(50))
    }

    private mutating func fillLearningTransfer(_ event: inout DAAEvent, agent: Int) {
        let source = domain(of: agent)
        var target = random.pick(DAAVocabulary.domains)
        if target == source { target = DAAVocabulary.domains[(agents[agent].homeDomain + 7) % DAAVocabulary.domains.count] }
        if target == source { target = DAAVocabulary.domains[(agents[agent].homeDomain + 8) % DAAVocabulary.domains.count] }
        event.sourceDomain = source
        event.targetDomain = target
        event.mode = random.pick(DAAVocabulary.transferModes)
        event.gain = Self.rounded(random.double(in: -0.05...0.4), 1000)
    }

    // MARK: workflows

    private mutating func workflowEvent(serial: Int64, nominal: Int64) -> DAAEvent {
        let startNew =
            workflows.isEmpty
            || (workflows.count < Self.maxOpenWorkflows && random.chance(Self.workflowStartShare))
        if startNew { return startWorkflow(serial: serial, nominal: nominal) }
        let index = random.below(workflows.count)
        if let abandonAfter = workflows[index].abandonAfter, workflows[index].stepsDone >= abandonAfter {
            // The run stops here without a word; this slot starts another one instead.
            workflows.swapAt(index, workflows.count - 1)
            workflows.removeLast()
            return startWorkflow(serial: serial, nominal: nominal)
        }
        return advanceWorkflow(at: index, serial: serial, nominal: nominal)
    }

    private mutating func startWorkflow(serial: Int64, nominal: Int64) -> DAAEvent {
        let agent = chooseAgent()
        if !agents[agent].created { return created(agent, serial: serial, nominal: nominal) }
        var event = envelope(type: "workflow.started", agent: agent, serial: serial, nominal: nominal, late: false)
        workflowSerial += 1
        let id = "wf-\(options.seed)-\(split)-\(workflowSerial)"
        let steps = 1 + random.below(DAAVocabulary.workflowSteps.count)
        let abandonAfter = random.chance(Self.abandonShare) ? random.below(steps + 1) : nil
        event.workflowId = id
        event.steps = Int64(steps)
        event.strategy = random.pick(DAAVocabulary.strategies)
        workflows.append(
            OpenWorkflow(
                id: id, agent: agent, steps: steps, startedTs: event.ts, lastTs: event.ts, abandonAfter: abandonAfter))
        return event
    }

    private mutating func advanceWorkflow(at index: Int, serial: Int64, nominal: Int64) -> DAAEvent {
        var run = workflows[index]
        // The type is settled below, once the run's state says which event comes next.
        var event = envelope(type: "", agent: run.agent, serial: serial, nominal: nominal, late: false)
        event.workflowId = run.id
        let finished: Bool
        if run.stepsDone < run.steps && !run.failedStep {
            event.type = "workflow.step_completed"
            event.step = DAAVocabulary.workflowSteps[run.stepsDone]
            event.durationMs = Double(event.ts - run.lastTs)
            let success = random.chance(0.95)
            event.success = success
            run.stepsDone += 1
            run.failedStep = !success
            finished = false
        } else if run.failedStep || random.chance(0.05) {
            event.type = "workflow.failed"
            event.error = run.failedStep ? "step failed: \(DAAVocabulary.workflowSteps[run.stepsDone - 1])"
                : random.pick(DAAVocabulary.workflowErrors)
            finished = true
        } else {
            event.type = "workflow.completed"
            event.durationMs = Double(event.ts - run.startedTs)
            finished = true
        }
        run.lastTs = event.ts
        if finished {
            workflows.swapAt(index, workflows.count - 1)
            workflows.removeLast()
        } else {
            workflows[index] = run
        }
        return event
    }
}
