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
            KeySpec("field", .name, required: true, "The timestamp field holding each event's time.",
                example: .topLevel("event_time: { field: ts }")),
            KeySpec(
                "max_out_of_orderness", .duration(allowNegative: false), default: "0s",
                "How far behind the latest event an event may arrive: the watermark is the max event time seen minus this.",
                example: .topLevel("event_time: { field: ts, max_out_of_orderness: 5s }")),
            KeySpec(
                "allowed_lateness", .duration(allowNegative: false), default: "0s",
                "How long after a window fired late events still update it; later ones go to the late output.",
                example: .topLevel("event_time: { field: ts, max_out_of_orderness: 5s, allowed_lateness: 1m }")),
            KeySpec(
                "idle_timeout", .duration(allowNegative: false),
                "A split with no events for this long stops holding the watermark back.",
                example: .topLevel("event_time: { field: ts, idle_timeout: 30s }")),
        ])

    static let dedupe = ObjectSpec(
        name: "dedupe",
        doc: "Drop events whose id was already seen within a horizon (brokers redeliver).",
        keys: [
            KeySpec("field", .name, default: "id", "The field identifying an event.",
                example: .topLevel("dedupe: { field: id, horizon: 10m }")),
            KeySpec("horizon", .duration(allowNegative: false), required: true, "How long an id is remembered, in event time.",
                example: .topLevel("dedupe: { horizon: 10m }")),
        ])

    static let window = ObjectSpec(
        name: "window",
        doc: "Event-time windows, aligned to the epoch, half-open [start, end).",
        keys: [
            KeySpec("tumbling", .duration(allowNegative: false), "Fixed, non-overlapping windows of this size.",
                example: .steps("""
            - key_by: [agent_id]
            - window: { tumbling: 10s }
            - aggregate: { events: count() }
            """)),
            KeySpec("sliding", .duration(allowNegative: false), "Overlapping windows of this size, one starting every `every`.",
                example: .steps("""
            - key_by: [agent_id]
            - window: { sliding: 5m, every: 1m }
            - aggregate: { mean: avg(value) }
            """)),
            KeySpec("every", .duration(allowNegative: false), "The slide of a sliding window.",
                example: .steps("""
            - key_by: [agent_id, metric]
            - window: { sliding: 1h, every: 10m }
            - aggregate: { high: max(value) }
            """)),
            KeySpec("session", .duration(allowNegative: false), "Sessions closed by a gap of this length without events.",
                example: .steps("""
            - key_by: [agent_id]
            - window: { session: 30s }
            - aggregate: { events: count(), first_type: first(type) }
            """)),
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
                "The connector: generator:daa?..., generator:w1?..., file:PATH, amqp://..., kafka://...",
                example: .topLevel("source: { uri: \"generator:daa?agents=100&rate=2000&seed=7\" }")),
            KeySpec("format", .choice(["json", "ndjson"]), default: "json", "How records are encoded.",
                example: .topLevel("source: { uri: \"file:events.ndjson\", format: ndjson }")),
            KeySpec(
                "schema", schemaField, default: "daa",
                "The event fields: daa (the DAA event contract), w1 (metric samples), or a mapping of field to type.",
                example: .topLevel("""
            source:
              uri: "file:orders.ndjson"
              schema: { order_id: string, amount: double, paid: bool, at: timestamp }
            event_time: { field: at }
            steps:
              - filter: "amount > 100 and paid"
            """)),
            KeySpec("event_time", .object(eventTime), "Event time and watermarks (graph form; the linear form has it at the top).",
                example: .topLevel("""
            sources:
              events:
                uri: "generator:daa?count=1000"
                event_time: { field: ts, max_out_of_orderness: 5s }
            nodes:
              metrics: { from: events, filter: "type = 'metric'" }
            sinks:
              out: { from: metrics, uri: "stdout:" }
            """)),
        ])

    static let sink = ObjectSpec(
        name: "sink",
        doc: "Where results go.",
        keys: [
            KeySpec("from", .reference, "The node (or `node.route`) whose rows this sink writes (graph form).",
                example: .topLevel("""
            sources:
              events: { uri: "generator:daa?count=1000" }
            nodes:
              errors: { from: events, filter: "type = 'task.failed'" }
            sinks:
              failures: { from: errors, uri: "file:.sluice/failures.ndjson" }
            """)),
            KeySpec(
                "uri", .uri, default: EmbeddedDefaults.viewsURI,
                "The connector: sqlite:PATH, file:PATH, stdout:, postgres://..., amqp://...",
                example: .topLevel("sink: { uri: \"file:.sluice/metrics.ndjson?max_bytes=64MB&keep=5\" }")),
            KeySpec("view", .name, "The table or view to keep up to date (views sinks: sqlite, postgres).",
                example: .topLevel("""
            steps:
              - key_by: [agent_id]
              - fold: { events: count(), last_seen: max(ts) }
            sink: { uri: "sqlite:.sluice/views.db", view: agent_activity, key: [agent_id] }
            """)),
            KeySpec("key", .either(.name, .list(.name)), "The fields identifying a row; rows with the same key are upserted.",
                example: .topLevel("""
            steps:
              - key_by: [agent_id, metric]
              - window: { tumbling: 1m }
              - aggregate: { mean: avg(value) }
            sink: { view: metrics_1m, key: [agent_id, metric, window_start] }
            """)),
            KeySpec("mode", .choice(["upsert", "append"]), "upsert (default when a key is given) or append.",
                example: .topLevel("sink: { uri: \"file:.sluice/metrics.ndjson\", mode: append }")),
            KeySpec(
                "flush_every", .duration(allowNegative: false), default: "1s",
                "How often rows of open windows are written, so dashboards see partial values.",
                example: .topLevel("""
            steps:
              - key_by: [agent_id]
              - window: { tumbling: 1m }
              - aggregate: { events: count() }
            sink: { view: events_1m, key: [agent_id, window_start], flush_every: 500ms }
            """)),
        ])

    static let output = ObjectSpec(
        name: "output",
        doc: "A side output: dead letters or late events.",
        keys: [KeySpec("uri", .uri, required: true, "The connector that receives the records.",
                example: .topLevel("dead_letter: { uri: \"file:.sluice/dead-letter.ndjson?max_bytes=16MB&keep=2\" }"))])

    static let joinInterval = ObjectSpec(
        name: "interval",
        doc: "Right rows match a left row when right.time − left.time is within [lower, upper].",
        keys: [
            KeySpec("lower", .duration(allowNegative: true), required: true, "The earliest right time, relative to the left row."),
            KeySpec("upper", .duration(allowNegative: true), required: true, "The latest right time, relative to the left row."),
        ],
        example: .topLevel(intervalJoinExample))

    static let joinWindow = ObjectSpec(
        name: "window",
        doc: "Rows of both sides match when they fall in the same tumbling window.",
        keys: [KeySpec("tumbling", .duration(allowNegative: false), required: true, "The window size.")],
        example: .topLevel(windowJoinExample))

    static let joinPrefixes = ObjectSpec(
        name: "prefixes",
        doc: "Prefixes that keep the two sides' field names apart in the output.",
        keys: [
            KeySpec("left", .text, default: "", "Prefix for the left side's fields."),
            KeySpec("right", .text, default: "", "Prefix for the right side's fields."),
        ],
        example: .topLevel(windowJoinExample))

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
        groupRule: "give the keys either as on or as left_on and right_on",
        example: .topLevel(intervalJoinExample))

    static let branchRoute = ObjectSpec(
        name: "route",
        doc: "A route of a linear-form branch: rows matching `when` go to `sink`; the rest continue.",
        keys: [
            KeySpec("when", .expression, required: true, "The condition selecting the route's rows."),
            KeySpec("sink", .object(sink), required: true, "Where the route's rows go."),
        ],
        example: .steps(
            """
            - branch:
                failures:
                  when: "type = 'task.failed'"
                  sink: { uri: "file:.sluice/failures.ndjson" }
                slow:
                  when: "duration_ms > 5000"
                  sink: { uri: "stdout:" }
            """))

    static let graphBranch = ObjectSpec(
        name: "branch",
        doc: "Routes each row to the first route whose condition holds; reference a route as `node.route`.",
        keys: [
            KeySpec("routes", .namedMap(.expression), required: true, "Route names and their conditions."),
            KeySpec("default", .name, "A route name for rows no condition selected (otherwise they are dropped)."),
        ],
        example: .topLevel(
            """
            sources:
              events: { uri: "generator:daa?count=1000" }
            nodes:
              by_value:
                from: events
                branch:
                  routes: { high: "value > 0.9", low: "value < 0.1" }
                  default: normal
            sinks:
              alerts: { from: by_value.high, uri: "file:.sluice/high.ndjson" }
              normal: { from: by_value.normal, uri: "stdout:" }
            """))

    /// Operator keys shared by steps and nodes.
    private static let operatorKeys: [KeySpec] = [
        KeySpec("filter", .expression, "Keep the rows for which the expression is true.",
                example: .steps("- filter: \"type = 'metric' and value > 0.9\"")),
        KeySpec("map", .namedMap(.expression), "Add or replace fields computed by expressions; other fields pass through.",
                example: .steps("""
            - map:
                value_pct: value * 100
                kind: "case when value > 0.9 then 'high' else 'normal' end"
            """)),
        KeySpec("select", .either(.name, .list(.name)), "Keep only these fields, in this order.",
                example: .steps("- select: [agent_id, metric, value, ts]")),
        KeySpec("key_by", .either(.name, .list(.name)), "Partition by these fields for a window, aggregate, fold or join.",
                example: .steps("""
            - key_by: [agent_id]
            - fold: { events: count() }
            """)),
        KeySpec("window", .object(window), "Group keyed rows into event-time windows (needs key_by).",
                example: .steps("""
            - key_by: [agent_id]
            - window: { tumbling: 1m }
            - aggregate: { events: count() }
            """)),
        KeySpec(
            "aggregate", .namedMap(.aggregateCall),
            "Aggregates per key and window (or per key, without window): count(), sum(x), min(x), max(x), avg(x), first(x), last(x), count_distinct(x), approx_count_distinct(x), percentile(x, p), stddev(x).",
            example: .steps(
                """
                - key_by: [agent_id, metric]
                - window: { tumbling: 10s }
                - aggregate:
                    samples: count()
                    mean: avg(value)
                    p95: "percentile(value, 0.95)"
                """)),
        KeySpec("fold", .namedMap(.aggregateCall), "A running aggregate per key without windows: the latest state per key.",
                example: .steps("""
            - key_by: [agent_id]
            - fold:
                last_metric: last(metric)
                samples: count()
            """)),
        KeySpec("dedupe", .object(dedupe), "Drop repeated events within a horizon.",
                example: .steps("- dedupe: { field: id, horizon: 10m }")),
    ]

    static let step = ObjectSpec(
        name: "step",
        doc: "One step of the linear form; each step has exactly one operator.",
        keys: [KeySpec("name", .name, "A name for the step in explain output and metrics.",
                example: .steps("""
            - name: only_metrics
              filter: "type = 'metric'"
            """))] + operatorKeys + [
            KeySpec("branch", .namedMap(.object(branchRoute)), "Send matching rows to other sinks; the rest continue.",
                example: .steps("""
            - branch:
                alerts:
                  when: "value > 0.95"
                  sink: { uri: "file:.sluice/alerts.ndjson" }
            - select: [agent_id, value, ts]
            """))
        ],
        exclusiveGroups: [["filter"], ["map"], ["select"], ["key_by"], ["window"], ["aggregate"], ["fold"], ["dedupe"], ["branch"]],
        requiresGroup: true,
        groupNoun: "operator",
        groupRule: "a step has one operator; add another step")

    static let node = ObjectSpec(
        name: "node",
        doc: "A named node of the graph form: its input(s) and one operator.",
        keys: [KeySpec("from", .either(.reference, .list(.reference)), "The input node(s) or source(s).",
            example: .topLevel(
                """
                sources:
                  events: { uri: "generator:daa?count=1000" }
                nodes:
                  metrics: { from: events, filter: "type = 'metric'" }
                  failures: { from: events, filter: "type = 'task.failed'" }
                  both: { union: [metrics, failures] }
                  slim: { from: both, select: [agent_id, type, ts] }
                sinks:
                  out: { from: slim, uri: "stdout:" }
                """))] + operatorKeys + [
            KeySpec("union", .list(.reference), "Merge these inputs (same fields) into one stream.",
                example: .topLevel(
                    """
                    sources:
                      live: { uri: "generator:daa?count=1000" }
                      replay: { uri: "file:replay.ndjson" }
                    nodes:
                      all: { union: [live, replay] }
                    sinks:
                      out: { from: all, uri: "stdout:" }
                    """)),
            KeySpec("branch", .object(graphBranch), "Split rows into named routes.",
                example: .topLevel(
                    """
                    sources:
                      events: { uri: "generator:daa?count=1000" }
                    nodes:
                      by_value:
                        from: events
                        branch:
                          routes: { high: "value > 0.9", low: "value < 0.1" }
                          default: normal
                    sinks:
                      alerts: { from: by_value.high, uri: "file:.sluice/high.ndjson" }
                      normal: { from: by_value.normal, uri: "stdout:" }
                    """)),
            KeySpec("join", .object(join), "Join two keyed inputs.", example: .topLevel(intervalJoinExample)),
            KeySpec("late", .object(output), "Where this node's window sends events later than the allowed lateness.",
                example: .topLevel(
                    """
                    sources:
                      events:
                        uri: "generator:daa?count=1000"
                        event_time: { field: ts, allowed_lateness: 30s }
                    nodes:
                      per_agent:
                        from: events
                        key_by: [agent_id]
                        window: { tumbling: 1m }
                        aggregate: { events: count() }
                        late: { uri: "file:.sluice/late.ndjson" }
                    sinks:
                      out: { from: per_agent, uri: "stdout:" }
                    """)),
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
            KeySpec("pipeline", .name, required: true, "The pipeline's name (views, metrics and logs use it).",
                example: .topLevel("pipeline: agent-metrics")),
            KeySpec("description", .text, "What the pipeline feeds.",
                example: .topLevel("description: Per-agent telemetry in 10-second windows.")),
            KeySpec("partitions", .integer(1...1024), "How many partitions keyed state is split into (sluice run --partitions overrides it).",
                example: .topLevel("partitions: 8")),
            KeySpec("schedule", .text, "A batch job's cron schedule (UTC: minute hour day-of-month month day-of-week, or @daily): sluice run starts the bounded pipeline at those times over the range since the previous one (${RANGE_START}, ${RANGE_END}) instead of at once.",
                example: .topLevel("schedule: \"0 0 * * *\"")),
            KeySpec("on_incompatible_change", .choice(["refuse", "start_fresh"]), default: "refuse",
                "What sluice run does when this file changes while it runs (SIGHUP, or a changed file in a pipelines directory) and the new version's stored state does not fit the running one's (other sources, partitions, stateful steps, keys, windows or aggregates): refuse keeps the running version and logs why; start_fresh stops it with a final commit and starts the new version with empty state, reading its sources from the start (the views are kept). A compatible change (a filter, a map, a sink option) always keeps the state.",
                example: .topLevel("on_incompatible_change: start_fresh")),
            // Linear form.
            KeySpec("source", .object(source), "Linear form: the one source.",
                example: .topLevel("source: { uri: \"${DAA_EVENTS:-generator:daa}\", format: json }")),
            KeySpec("event_time", .object(eventTime), "Linear form: event time of the source.",
                example: .topLevel("event_time: { field: ts, max_out_of_orderness: 5s, allowed_lateness: 1m }")),
            KeySpec("dedupe", .object(dedupe), "Linear form: de-duplicate the source by id.",
                example: .topLevel("dedupe: { field: id, horizon: 10m }")),
            KeySpec("steps", .list(.object(step)), "Linear form: the operators, in order.",
                example: .topLevel("""
            steps:
              - filter: "type = 'metric'"
              - key_by: [agent_id, metric]
              - window: { tumbling: 10s }
              - aggregate: { samples: count(), mean: avg(value) }
            """)),
            KeySpec("sink", .object(sink), "Linear form: where the last step's rows go.",
                example: .topLevel("sink: { uri: \"${DAA_VIEWS:-sqlite:.sluice/views.db}\", view: metrics, key: [id] }")),
            // Graph form.
            KeySpec("sources", .namedMap(.object(source)), "Graph form: named sources.",
                example: .topLevel("""
            sources:
              events: { uri: "generator:daa?count=1000" }
              archive: { uri: "file:archive.ndjson" }
            nodes:
              all: { union: [events, archive] }
            sinks:
              out: { from: all, uri: "stdout:" }
            """)),
            KeySpec("nodes", .namedMap(.object(node)), "Graph form: named operator nodes.",
                example: .topLevel("""
            sources:
              events: { uri: "generator:daa?count=1000", event_time: { field: ts } }
            nodes:
              metrics: { from: events, filter: "type = 'metric'" }
              per_agent:
                from: metrics
                key_by: [agent_id]
                window: { tumbling: 1m }
                aggregate: { mean: avg(value) }
            sinks:
              out: { from: per_agent, uri: "stdout:" }
            """)),
            KeySpec("sinks", .namedMap(.object(sink)), "Graph form: named sinks, each reading one node.",
                example: .topLevel("""
            sources:
              events: { uri: "generator:daa?count=1000" }
            nodes:
              failed: { from: events, filter: "type = 'task.failed'" }
            sinks:
              console: { from: failed, uri: "stdout:" }
              archive: { from: failed, uri: "file:.sluice/failed.ndjson" }
            """)),
            // Both.
            KeySpec(
                "dead_letter", .object(output), default: "{ uri: \(EmbeddedDefaults.deadLetterURI) }",
                "Where records that cannot be decoded go, with the reason.",
                example: .topLevel("dead_letter: { uri: \"${DAA_DEAD_LETTER:-file:.sluice/dead-letter.ndjson}\" }")),
            KeySpec(
                "late", .object(output),
                "Linear form: where events later than the allowed lateness go (otherwise only counted); graph-form nodes take their own.",
                example: .topLevel("""
            steps:
              - key_by: [agent_id]
              - window: { tumbling: 10s }
              - aggregate: { events: count() }
            late: { uri: "file:.sluice/late.ndjson" }
            """)),
        ],
        exclusiveGroups: [["source", "event_time", "dedupe", "steps", "sink"], ["sources", "nodes", "sinks"]],
        groupNoun: "form",
        groupRule: "a file uses either the linear form (source, steps, sink) or the graph form (sources, nodes, sinks)")

    /// A whole join pipeline around `join` (the join's own lines), the example of more
    /// than one key of each join kind.
    private static func joinExample(_ join: String) -> String {
        let sources = """
        sources:
          orders:
            uri: "file:orders.ndjson"
            schema: { order_id: string, amount: double, at: timestamp }
            event_time: { field: at }
          payments:
            uri: "file:payments.ndjson"
            schema: { order_id: string, paid: double, at: timestamp }
            event_time: { field: at }
        nodes:
          keyed_orders: { from: orders, key_by: order_id }
          keyed_payments: { from: payments, key_by: order_id }
          matched:
            join:
              left: keyed_orders
              right: keyed_payments
        """
        let sinks = """
        sinks:
          out: { from: matched, uri: "stdout:" }
        """
        return sources + "\n" + join + "\n" + sinks
    }

    private static let intervalJoinExample = joinExample(
        """
              on: order_id
              interval: { lower: 0s, upper: 15m }
              prefixes: { left: "order_", right: "payment_" }
              emit_unmatched: left
        """)

    private static let windowJoinExample = joinExample(
        """
              left_on: [order_id]
              right_on: [order_id]
              window: { tumbling: 1h }
              prefixes: { left: "o_", right: "p_" }
              time_field: matched_at
        """)
}
