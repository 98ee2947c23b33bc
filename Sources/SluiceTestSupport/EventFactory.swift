public import SluiceConnectors
public import SluiceCore

/// Builds small DAA batches and events for tests, from literal rows.
///
/// ```swift
/// let batch = EventFactory.batch([
///     ["id": .string("e-1"), "type": .string("metric"), "agent_id": .string("agent-000001"),
///      "ts": .timestamp(1_764_000_000_000), "metric": .string("latency_ms"), "value": .double(12.5)],
/// ])
/// var events = EventFactory()
/// let rows = [events.metric(agent: 1, ts: 1_000, name: "cpu_pct", value: 40)]
/// ```
public struct EventFactory: Sendable {
    /// The number of the next generated id (`e-1`, `e-2`, ...).
    public private(set) var nextId: Int

    public init(firstId: Int = 1) { nextId = firstId }

    /// A batch of `rows` (field name → value); fields a row lacks are null, and numbers are
    /// converted to the column's type (`.int` into a timestamp column, for instance).
    public static func batch(
        _ rows: [[String: Value]], schema: Schema = DAA.schema, position: SourcePosition? = nil
    ) -> Batch {
        var builder = BatchBuilder(schema: schema, capacity: rows.count)
        for row in rows { builder.append(row) }
        return builder.finish(position: position)
    }

    /// `agent-%06d`, the agent id format of the DAA platform.
    public static func agentId(_ index: Int) -> String {
        let digits = String(index)
        return "agent-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// One event row: the envelope (a fresh `e-N` id unless given) plus `fields`.
    public mutating func event(
        _ type: String, agent: Int, ts: Int64, id: String? = nil, _ fields: [String: Value] = [:]
    ) -> [String: Value] {
        var row = fields
        row["id"] = .string(id ?? makeId())
        row["type"] = .string(type)
        row["agent_id"] = .string(Self.agentId(agent))
        row["ts"] = .timestamp(ts)
        return row
    }

    /// A `metric` event.
    public mutating func metric(agent: Int, ts: Int64, name: String, value: Double, unit: String? = nil) -> [String: Value] {
        var fields: [String: Value] = ["metric": .string(name), "value": .double(value)]
        if let unit { fields["unit"] = .string(unit) }
        return event("metric", agent: agent, ts: ts, fields)
    }

    /// An `agent.adapted` event.
    public mutating func adapted(agent: Int, ts: Int64, score: Double, pattern: String) -> [String: Value] {
        event(
            "agent.adapted", agent: agent, ts: ts,
            ["performance_score": .double(score), "cognitive_pattern": .string(pattern)])
    }

    private mutating func makeId() -> String {
        defer { nextId += 1 }
        return "e-\(nextId)"
    }
}
