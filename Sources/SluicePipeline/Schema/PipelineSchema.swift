/// The pipeline file format, declared once.
///
/// Every mapping of the format is an `ObjectSpec` here, with each key's type, default and
/// documentation. The schema checker lints files against it and suggests the nearest
/// key for a typo; `reference` renders it as the format's documentation.
enum PipelineSchema {
    static let typeNames = ["string", "int", "double", "bool", "timestamp"]
    static let builtInSchemas = ["daa", "w1"]

    static let eventTime = ObjectSpec(
        name: "event_time",
        doc: "Where event time comes from and how out of order events may be.",
        keys: [
            KeySpec("field", .name, required: true, "The timestamp field holding each event's time."),
            KeySpec(
                "max_out_of_orderness", .duration(allowNegative: false), default: "0s",
                "How far behind the latest event an event may arrive: the watermark is the max event time seen minus this."),
            KeySpec(
                "allowed_lateness", .duration(allowNegative: false), default: "0s",
                "How long after a window fired late events still update it; later ones go to the late output."),
            KeySpec(
                "idle_timeout", .duration(allowNegative: false),
                "A split with no events for this long stops holding the watermark back."),
        ])

    static let dedupe = ObjectSpec(
        name: "dedupe",
        doc: "Drop events whose id was already seen within a horizon (brokers redeliver).",
        keys: [
            KeySpec("field", .name, default: "id", "The field identifying an event."),
            KeySpec("horizon", .duration(allowNegative: false), required: true, "How long an id is remembered, in event time."),
        ])

    static let window = ObjectSpec(
        name: "window",
        doc: "Event-time windows, aligned to the epoch, half-open [start, end).",
        keys: [
            KeySpec("tumbling", .duration(allowNegative: false), "Fixed, non-overlapping windows of this size."),
            KeySpec("sliding", .duration(allowNegative: false), "Overlapping windows of this size, one starting every `every`."),
            KeySpec("every", .duration(allowNegative: false), "The slide of a sliding window."),
            KeySpec("session", .duration(allowNegative: false), "Sessions closed by a gap of this length without events."),
        ],
        exclusiveGroups: [["tumbling"], ["sliding", "every"], ["session"]],
        requiresGroup: true,
        groupNoun: "window kind",
        groupRule: "a window is tumbling, sliding (with every) or session")

    static let schemaField: ValueType = .either(
        .choice(builtInSchemas), .namedMap(.choice(typeNames)))

    static let source = ObjectSpec(
        name: "source",
        doc: "Where events come from.",
        keys: [
            KeySpec(
                "uri", .uri, default: EmbeddedDefaults.sourceURI,
                "The connector: generator:daa?..., generator:w1?..., file:PATH, amqp://..., kafka://..."),
            KeySpec("format", .choice(["json", "ndjson"]), default: "json", "How records are encoded."),
            KeySpec(
                "schema", schemaField, default: "daa",
                "The event fields: daa (the DAA event contract), w1 (metric samples), or a mapping of field to type."),
            KeySpec("event_time", .object(eventTime), "Event time and watermarks (graph form; the linear form has it at the top)."),
        ])

    static let sink = ObjectSpec(
        name: "sink",
        doc: "Where results go.",
        keys: [
            KeySpec("from", .reference, "The node (or `node.route`) whose rows this sink writes (graph form)."),
            KeySpec(
                "uri", .uri, default: EmbeddedDefaults.viewsURI,
                "The connector: sqlite:PATH, file:PATH, stdout:, postgres://..., amqp://..."),
            KeySpec("view", .name, "The table or view to keep up to date (views sinks: sqlite, postgres)."),
            KeySpec("key", .either(.name, .list(.name)), "The fields identifying a row; rows with the same key are upserted."),
            KeySpec("mode", .choice(["upsert", "append"]), "upsert (default when a key is given) or append."),
            KeySpec(
                "flush_every", .duration(allowNegative: false), default: "1s",
                "How often rows of open windows are written, so dashboards see partial values."),
        ])

    static let output = ObjectSpec(
        name: "output",
        doc: "A side output: dead letters or late events.",
        keys: [KeySpec("uri", .uri, required: true, "The connector that receives the records.")])

    static let joinInterval = ObjectSpec(
        name: "interval",
        doc: "Right rows match a left row when right.time − left.time is within [lower, upper].",
        keys: [
            KeySpec("lower", .duration(allowNegative: true), required: true, "The earliest right time, relative to the left row."),
            KeySpec("upper", .duration(allowNegative: true), required: true, "The latest right time, relative to the left row."),
        ])

    static let joinWindow = ObjectSpec(
        name: "window",
        doc: "Rows of both sides match when they fall in the same tumbling window.",
        keys: [KeySpec("tumbling", .duration(allowNegative: false), required: true, "The window size.")])

    static let joinPrefixes = ObjectSpec(
        name: "prefixes",
        doc: "Prefixes that keep the two sides' field names apart in the output.",
        keys: [
            KeySpec("left", .text, default: "", "Prefix for the left side's fields."),
            KeySpec("right", .text, default: "", "Prefix for the right side's fields."),
        ])

    static let join = ObjectSpec(
        name: "join",
        doc: "Joins two keyed streams in event time.",
        keys: [
            KeySpec("left", .reference, required: true, "The left input."),
            KeySpec("right", .reference, required: true, "The right input."),
            KeySpec("on", .either(.name, .list(.name)), "Key fields with the same name on both sides."),
            KeySpec("left_on", .either(.name, .list(.name)), "Key fields of the left side (with right_on)."),
            KeySpec("right_on", .either(.name, .list(.name)), "Key fields of the right side (with left_on)."),
            KeySpec("interval", .object(joinInterval), "Interval join bounds."),
            KeySpec("window", .object(joinWindow), "Window join."),
            KeySpec("emit_unmatched", .choice(["none", "left"]), default: "none", "left: also emit left rows that found no match, once their time bound passed."),
            KeySpec("prefixes", .object(joinPrefixes), "Field name prefixes for each side."),
            KeySpec(
                "time_field", .name, default: "join_time",
                "The output's event-time field: the later time of a pair (the window's last instant for window joins)."),
        ],
        exclusiveGroups: [["on"], ["left_on", "right_on"]],
        groupNoun: "key option",
        groupRule: "give the keys either as on or as left_on and right_on")

    static let branchRoute = ObjectSpec(
        name: "route",
        doc: "A route of a linear-form branch: rows matching `when` go to `sink`; the rest continue.",
        keys: [
            KeySpec("when", .expression, required: true, "The condition selecting the route's rows."),
            KeySpec("sink", .object(sink), required: true, "Where the route's rows go."),
        ])

    static let graphBranch = ObjectSpec(
        name: "branch",
        doc: "Routes each row to the first route whose condition holds; reference a route as `node.route`.",
        keys: [
            KeySpec("routes", .namedMap(.expression), required: true, "Route names and their conditions."),
            KeySpec("default", .name, "A route name for rows no condition selected (otherwise they are dropped)."),
        ])

    /// Operator keys shared by steps and nodes.
    private static let operatorKeys: [KeySpec] = [
        KeySpec("filter", .expression, "Keep the rows for which the expression is true."),
        KeySpec("map", .namedMap(.expression), "Add or replace fields computed by expressions; other fields pass through."),
        KeySpec("select", .either(.name, .list(.name)), "Keep only these fields, in this order."),
        KeySpec("key_by", .either(.name, .list(.name)), "Partition by these fields for a window, aggregate, fold or join."),
        KeySpec("window", .object(window), "Group keyed rows into event-time windows (needs key_by)."),
        KeySpec(
            "aggregate", .namedMap(.aggregateCall),
            "Aggregates per key and window (or per key, without window): count(), sum(x), min(x), max(x), avg(x), first(x), last(x), count_distinct(x), approx_count_distinct(x), percentile(x, p), stddev(x)."),
        KeySpec("fold", .namedMap(.aggregateCall), "A running aggregate per key without windows: the latest state per key."),
        KeySpec("dedupe", .object(dedupe), "Drop repeated events within a horizon."),
    ]

    static let step = ObjectSpec(
        name: "step",
        doc: "One step of the linear form; each step has exactly one operator.",
        keys: [KeySpec("name", .name, "A name for the step in explain output and metrics.")] + operatorKeys + [
            KeySpec("branch", .namedMap(.object(branchRoute)), "Send matching rows to other sinks; the rest continue.")
        ],
        exclusiveGroups: [["filter"], ["map"], ["select"], ["key_by"], ["window"], ["aggregate"], ["fold"], ["dedupe"], ["branch"]],
        requiresGroup: true,
        groupNoun: "operator",
        groupRule: "a step has one operator; add another step")

    static let node = ObjectSpec(
        name: "node",
        doc: "A named node of the graph form: its input(s) and one operator.",
        keys: [KeySpec("from", .either(.reference, .list(.reference)), "The input node(s) or source(s).")] + operatorKeys + [
            KeySpec("union", .list(.reference), "Merge these inputs (same fields) into one stream."),
            KeySpec("branch", .object(graphBranch), "Split rows into named routes."),
            KeySpec("join", .object(join), "Join two keyed inputs."),
            KeySpec("late", .object(output), "Where this node's window sends events later than the allowed lateness."),
        ],
        exclusiveGroups: [
            ["filter"], ["map"], ["select"], ["key_by", "window", "aggregate", "fold"], ["dedupe"], ["union"], ["branch"],
            ["join"],
        ],
        requiresGroup: true,
        groupNoun: "operator",
        groupRule: "a node has one operator, except that key_by, window and aggregate (or fold) may be combined")

    static let pipeline = ObjectSpec(
        name: "pipeline file",
        doc: "A pipeline: sources, operators and sinks.",
        keys: [
            KeySpec("pipeline", .name, required: true, "The pipeline's name (views, metrics and logs use it)."),
            KeySpec("description", .text, "What the pipeline feeds."),
            KeySpec("partitions", .integer(1...1024), "How many partitions keyed state is split into (sluice run --partitions overrides it)."),
            // Linear form.
            KeySpec("source", .object(source), "Linear form: the one source."),
            KeySpec("event_time", .object(eventTime), "Linear form: event time of the source."),
            KeySpec("dedupe", .object(dedupe), "Linear form: de-duplicate the source by id."),
            KeySpec("steps", .list(.object(step)), "Linear form: the operators, in order."),
            KeySpec("sink", .object(sink), "Linear form: where the last step's rows go."),
            // Graph form.
            KeySpec("sources", .namedMap(.object(source)), "Graph form: named sources."),
            KeySpec("nodes", .namedMap(.object(node)), "Graph form: named operator nodes."),
            KeySpec("sinks", .namedMap(.object(sink)), "Graph form: named sinks, each reading one node."),
            // Both.
            KeySpec(
                "dead_letter", .object(output), default: "{ uri: \(EmbeddedDefaults.deadLetterURI) }",
                "Where records that cannot be decoded go, with the reason."),
            KeySpec(
                "late", .object(output),
                "Linear form: where events later than the allowed lateness go (otherwise only counted); graph-form nodes take their own."),
        ],
        exclusiveGroups: [["source", "event_time", "dedupe", "steps", "sink"], ["sources", "nodes", "sinks"]],
        groupNoun: "form",
        groupRule: "a file uses either the linear form (source, steps, sink) or the graph form (sources, nodes, sinks)")
}
