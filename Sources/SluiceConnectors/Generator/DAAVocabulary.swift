/// The values the DAA generator draws from: realistic names taken from `daa-events.md`
/// and the platform's usual traffic.
enum DAAVocabulary {
    /// About fifty knowledge domains; events pick among them with a per-agent preference.
    static let domains = [
        "optimization_techniques", "image_processing", "video_analysis", "bottleneck_patterns",
        "natural_language", "speech_recognition", "code_generation", "code_review", "test_generation",
        "anomaly_detection", "fraud_detection", "time_series_forecasting", "demand_planning",
        "resource_scheduling", "load_balancing", "cache_strategies", "query_optimization", "graph_analytics",
        "recommendation_systems", "sentiment_analysis", "document_summarization", "translation",
        "knowledge_graphs", "entity_resolution", "data_cleaning", "schema_matching", "log_analysis",
        "incident_response", "capacity_planning", "cost_optimization", "security_auditing",
        "threat_intelligence", "access_control", "network_routing", "edge_computing", "sensor_fusion",
        "robot_navigation", "path_planning", "reinforcement_learning", "transfer_learning",
        "meta_learning", "federated_learning", "model_compression", "hyperparameter_tuning",
        "feature_engineering", "causal_inference", "experiment_design", "supply_chain",
        "customer_support", "market_analysis",
    ]

    static let capabilities = [
        "optimization", "resource_management", "planning", "nlp", "vision", "code_generation",
        "data_analysis", "forecasting", "monitoring", "negotiation", "retrieval", "summarization",
    ]

    static let tenants = ["acme", "globex", "initech", "umbrella", "hooli", "stark"]

    static let learningRates = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1]

    static let feedback: [String?] = [
        "too slow", "accurate", "needs more context", "excellent", "missed deadline", "inconsistent", nil, nil,
    ]

    static let destroyReasons: [String?] = ["idle timeout", "scaled down", "error budget exhausted", "replaced", nil]

    static let transferModes = ["adaptive", "direct", "gradual"]

    static let strategies = ["parallel", "sequential", "adaptive"]

    /// Step names in the order a workflow runs them; a workflow of n steps runs the first n.
    static let workflowSteps = ["plan", "retrieve", "analyze", "execute", "validate", "report"]

    static let workflowErrors = [
        "timeout", "resource exhausted", "agent unavailable", "dependency error", "validation failed",
    ]

    /// Units per metric name (index into `DAA.metricNames`); nil means the field is omitted.
    static let metricUnits: [String?] = ["ms", "tokens", "MB", "%", nil, nil, nil, "ev/s"]
}
