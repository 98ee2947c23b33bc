public import SluiceCore

/// The DAA event contract (`daa-events.md`) as a schema.
///
/// Every payload field of every event type is a nullable column; an event fills the
/// fields its type defines. Array fields (`capabilities`, `target_agents`) are kept as
/// their JSON text, and `daa_array_length` style helpers can be added in expressions.
public enum DAA {
    /// The event types the platform emits; anything else is rejected as unknown.
    public static let eventTypes: Set<String> = [
        "agent.created", "agent.adapted", "agent.destroyed", "pattern.updated", "pattern.applied", "metric",
        "knowledge.shared", "knowledge.retrieved", "learning.progress", "learning.transfer", "workflow.started",
        "workflow.step_completed", "workflow.completed", "workflow.failed",
    ]

    public static let cognitivePatterns = ["convergent", "divergent", "lateral", "systems", "critical", "adaptive"]
    public static let metricNames = [
        "latency_ms", "tokens", "memory_mb", "cpu_pct", "queue_depth", "errors", "score", "throughput",
    ]

    /// Envelope fields every event must have.
    public static let requiredFields: Set<String> = ["id", "type", "agent_id", "ts"]

    /// The column DAA pipelines partition by: every per-agent view keys by it, and a
    /// redelivered event carries the same agent, so de-duplication can key by (agent, id).
    /// The engine knows nothing of it; the pipeline layer passes it as a source's
    /// preferred partition key (`Dataflow.source(_:eventTime:partitionKey:)`).
    public static let partitionKey = ["agent_id"]

    public static let schema = Schema([
        Field("id", .string, nullable: false),
        Field("type", .string, nullable: false),
        Field("agent_id", .string, nullable: false),
        Field("ts", .timestamp, nullable: false),
        Field("tenant", .string),
        Field("cognitive_pattern", .string),
        Field("learning_rate", .double),
        Field("capabilities", .string),
        Field("performance_score", .double),
        Field("feedback", .string),
        Field("reason", .string),
        Field("pattern", .string),
        Field("previous_pattern", .string),
        Field("confidence", .double),
        Field("success", .bool),
        Field("score", .double),
        Field("metric", .string),
        Field("value", .double),
        Field("unit", .string),
        Field("domain", .string),
        Field("target_agents", .string),
        Field("items", .int64),
        Field("latency_ms", .double),
        Field("hit", .bool),
        Field("proficiency", .double),
        Field("source_domain", .string),
        Field("target_domain", .string),
        Field("mode", .string),
        Field("gain", .double),
        Field("workflow_id", .string),
        Field("steps", .int64),
        Field("strategy", .string),
        Field("step", .string),
        Field("duration_ms", .double),
        Field("error", .string),
    ])

    /// The W1 workload's record (`workloads.md`): no id or type, all four fields required.
    public static let metricSampleSchema = Schema([
        Field("agent_id", .string, nullable: false),
        Field("metric", .string, nullable: false),
        Field("value", .double, nullable: false),
        Field("ts", .timestamp, nullable: false),
    ])
}
