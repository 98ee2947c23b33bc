import SluiceCore

/// One generated DAA event: the envelope plus every payload field of `DAA.schema`; a field
/// its type does not define stays nil.
struct DAAEvent: Sendable {
    var id: String
    var type: String
    var agentId: String
    var ts: Int64
    var tenant: String?
    var cognitivePattern: String?
    var learningRate: Double?
    var capabilities: String?
    var performanceScore: Double?
    var feedback: String?
    var reason: String?
    var pattern: String?
    var previousPattern: String?
    var confidence: Double?
    var success: Bool?
    var score: Double?
    var metric: String?
    var value: Double?
    var unit: String?
    var domain: String?
    var targetAgents: String?
    var items: Int64?
    var latencyMs: Double?
    var hit: Bool?
    var proficiency: Double?
    var sourceDomain: String?
    var targetDomain: String?
    var mode: String?
    var gain: Double?
    var workflowId: String?
    var steps: Int64?
    var strategy: String?
    var step: String?
    var durationMs: Double?
    var error: String?

    init(id: String, type: String, agentId: String, ts: Int64, tenant: String?) {
        self.id = id
        self.type = type
        self.agentId = agentId
        self.ts = ts
        self.tenant = tenant
    }
}

extension DAAEvent {
    /// Lays out events as a batch of `schema` (normally `DAA.schema`) in one pass over the
    /// events, each writing only the fields it has. A schema field the generator does not
    /// know becomes a column of nulls.
    static func batch(_ events: [DAAEvent], schema: Schema, position: SourcePosition?) -> Batch {
        var columns = DAAColumnsBuilder(count: events.count)
        events.withUnsafeBufferPointer { events in
            for row in events.indices { columns.add(events.baseAddress! + row, at: row) }
        }
        return columns.finish(schema: schema, position: position)
    }
}

/// The columns of `DAA.schema`, filled row by row: every row starts null and an event
/// sets the fields it has.
private struct DAAColumnsBuilder {
    private let count: Int
    private var id, type, agentId, tenant, cognitivePattern, capabilities, feedback, reason, pattern,
        previousPattern, metric, unit, domain, targetAgents, sourceDomain, targetDomain, mode, workflowId,
        strategy, step, error: StringColumnBuilder
    private var ts, items, steps: FixedColumnBuilder<Int64>
    private var learningRate, performanceScore, confidence, score, value, latencyMs, proficiency, gain,
        durationMs: FixedColumnBuilder<Double>
    private var success, hit: FixedColumnBuilder<Bool>

    init(count: Int) {
        self.count = count
        let text = StringColumnBuilder(count: count)
        (id, type, agentId, tenant, cognitivePattern, capabilities, feedback, reason, pattern) =
            (text, text, text, text, text, text, text, text, text)
        (previousPattern, metric, unit, domain, targetAgents, sourceDomain, targetDomain) =
            (text, text, text, text, text, text, text)
        (mode, workflowId, strategy, step, error) = (text, text, text, text, text)
        let integers = FixedColumnBuilder<Int64>(count: count, zero: 0)
        (ts, items, steps) = (integers, integers, integers)
        let reals = FixedColumnBuilder<Double>(count: count, zero: 0)
        (learningRate, performanceScore, confidence, score, value) = (reals, reals, reals, reals, reals)
        (latencyMs, proficiency, gain, durationMs) = (reals, reals, reals, reals)
        let flags = FixedColumnBuilder<Bool>(count: count, zero: false)
        (success, hit) = (flags, flags)
    }

    mutating func add(_ event: UnsafePointer<DAAEvent>, at row: Int) {
        let e = event.pointee
        id.set(row, e.id)
        type.set(row, e.type)
        agentId.set(row, e.agentId)
        ts.set(row, e.ts)
        tenant.set(row, e.tenant)
        cognitivePattern.set(row, e.cognitivePattern)
        learningRate.set(row, e.learningRate)
        capabilities.set(row, e.capabilities)
        performanceScore.set(row, e.performanceScore)
        feedback.set(row, e.feedback)
        reason.set(row, e.reason)
        pattern.set(row, e.pattern)
        previousPattern.set(row, e.previousPattern)
        confidence.set(row, e.confidence)
        success.set(row, e.success)
        score.set(row, e.score)
        metric.set(row, e.metric)
        value.set(row, e.value)
        unit.set(row, e.unit)
        domain.set(row, e.domain)
        targetAgents.set(row, e.targetAgents)
        items.set(row, e.items)
        latencyMs.set(row, e.latencyMs)
        hit.set(row, e.hit)
        proficiency.set(row, e.proficiency)
        sourceDomain.set(row, e.sourceDomain)
        targetDomain.set(row, e.targetDomain)
        mode.set(row, e.mode)
        gain.set(row, e.gain)
        workflowId.set(row, e.workflowId)
        steps.set(row, e.steps)
        strategy.set(row, e.strategy)
        step.set(row, e.step)
        durationMs.set(row, e.durationMs)
        error.set(row, e.error)
    }

    func finish(schema: Schema, position: SourcePosition?) -> Batch {
        let columns = schema.fields.map { field -> Column in
            let column: Column? =
                switch field.name {
                case "id": id.finish()
                case "type": type.finish()
                case "agent_id": agentId.finish()
                case "ts": ts.finishInts(type: .timestamp)
                case "tenant": tenant.finish()
                case "cognitive_pattern": cognitivePattern.finish()
                case "learning_rate": learningRate.finishDoubles()
                case "capabilities": capabilities.finish()
                case "performance_score": performanceScore.finishDoubles()
                case "feedback": feedback.finish()
                case "reason": reason.finish()
                case "pattern": pattern.finish()
                case "previous_pattern": previousPattern.finish()
                case "confidence": confidence.finishDoubles()
                case "success": success.finishBools()
                case "score": score.finishDoubles()
                case "metric": metric.finish()
                case "value": value.finishDoubles()
                case "unit": unit.finish()
                case "domain": domain.finish()
                case "target_agents": targetAgents.finish()
                case "items": items.finishInts(type: .int64)
                case "latency_ms": latencyMs.finishDoubles()
                case "hit": hit.finishBools()
                case "proficiency": proficiency.finishDoubles()
                case "source_domain": sourceDomain.finish()
                case "target_domain": targetDomain.finish()
                case "mode": mode.finish()
                case "gain": gain.finishDoubles()
                case "workflow_id": workflowId.finish()
                case "steps": steps.finishInts(type: .int64)
                case "strategy": strategy.finish()
                case "step": step.finish()
                case "duration_ms": durationMs.finishDoubles()
                case "error": error.finish()
                default: nil
                }
            guard let column, column.type == field.type else { return .nulls(field.type, count: count) }
            return column
        }
        return Batch(schema: schema, columns: columns, count: count, position: position)
    }
}

/// A dictionary-encoded string column whose rows start null.
private struct StringColumnBuilder {
    private var codes: [UInt32]
    private var valid: [Bool]
    private var dictionary: [String] = []
    private var index: [String: UInt32] = [:]
    private var anyValid = false

    init(count: Int) {
        codes = [UInt32](repeating: 0, count: count)
        valid = [Bool](repeating: false, count: count)
    }

    mutating func set(_ row: Int, _ value: String?) {
        guard let value else { return }
        let code: UInt32
        if let known = index[value] {
            code = known
        } else {
            code = UInt32(dictionary.count)
            index[value] = code
            dictionary.append(value)
        }
        codes[row] = code
        valid[row] = true
        anyValid = true
    }

    func finish() -> Column {
        if !anyValid { return .nulls(.string, count: codes.count) }
        return Column(codes: codes, dictionary: dictionary, validity: valid.contains(false) ? valid : nil)
    }
}

/// A fixed-width column (integers, doubles, booleans) whose rows start null.
private struct FixedColumnBuilder<T> {
    private var values: [T]
    private var valid: [Bool]

    init(count: Int, zero: T) {
        values = [T](repeating: zero, count: count)
        valid = [Bool](repeating: false, count: count)
    }

    mutating func set(_ row: Int, _ value: T?) {
        guard let value else { return }
        values[row] = value
        valid[row] = true
    }

    private var validity: [Bool]? { valid.contains(false) ? valid : nil }
}

extension FixedColumnBuilder where T == Int64 {
    func finishInts(type: DataType) -> Column { Column(ints: values, type: type, validity: validity) }
}

extension FixedColumnBuilder where T == Double {
    func finishDoubles() -> Column { Column(doubles: values, validity: validity) }
}

extension FixedColumnBuilder where T == Bool {
    func finishBools() -> Column { Column(bools: values, validity: validity) }
}
