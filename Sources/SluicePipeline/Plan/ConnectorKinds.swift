extension ConnectorKind {
    /// Every connector a pipeline file may name, as one explicit list: adding one is
    /// adding an entry here (and its factory in `Catalog`), never a registration as a
    /// side effect somewhere else.
    public static let all: [ConnectorKind] = [
        generator, file, stdout, sqlite, memory, amqp, amqps, postgres, kafka, archive,
    ]

    static let daaGeneratorParameters = [
        ConnectorParameter("agents", .integer(1...10_000_000), example: "100", "How many agents emit events (default 1000)."),
        ConnectorParameter("rate", .number(0.001...1e9), example: "2000", "Events per second, paced by the wall clock (default: as fast as possible)."),
        ConnectorParameter("seed", .integer(0...Int.max), example: "7", "Seeds every random choice (default 42)."),
        ConnectorParameter("count", .integer(0...Int.max), example: "10000", "Stop after this many events."),
        ConnectorParameter("duration", .duration, example: "10m", "Stop after this span of event time."),
        ConnectorParameter("start", .integer(0...Int.max), example: "1767225600000", "Event time of the first event, epoch milliseconds."),
        ConnectorParameter("disorder", .duration, example: "3s", "How out of order events of different agents arrive (default 3s)."),
        ConnectorParameter("late", .number(0...1), example: "0", "Share of events arriving minutes late (default 0.0005)."),
        ConnectorParameter("duplicates", .number(0...1), example: "0.01", "Share of events delivered twice (default 0.001)."),
        ConnectorParameter("splits", .integer(1...1024), example: "4", "Independent shares of the stream read in parallel (default 1)."),
    ]

    static let w1GeneratorParameters = [
        ConnectorParameter("agents", .integer(1...10_000_000), example: "100", "K, the number of agents (default 10000)."),
        ConnectorParameter("count", .integer(0...Int.max), example: "10000", "N, the number of events (default 1000000)."),
        ConnectorParameter("splits", .integer(1...1024), example: "4", "Input partitions read in parallel (default 1)."),
    ]

    /// `generator:daa?...` and `generator:w1?...`.
    public static let generator = ConnectorKind(
        scheme: "generator", summary: "Synthetic events: the DAA event mix (daa) or the W1 benchmark stream (w1).",
        roles: .source, path: .oneOf(["daa", "w1"]),
        parametersByPath: ["daa": daaGeneratorParameters, "w1": w1GeneratorParameters],
        example: "generator:daa?agents=100&rate=2000&seed=7")

    /// `file:PATH`: NDJSON files.
    public static let file = ConnectorKind(
        scheme: "file",
        summary:
            "An NDJSON file: read as a bounded source; appended to as an output, rolling to PATH.1, PATH.2, … by size (256MB, 3 kept, unless max_bytes and keep say otherwise).",
        roles: [.source, .sink, .deadLetter], path: .required("a file path"),
        parameters: [
            ConnectorParameter(
                "splits", .integer(1...256), example: "4", roles: .source, "Read the file as this many parallel splits (default 1)."),
            ConnectorParameter(
                "max_bytes", .size, example: "64MB", roles: [.sink, .deadLetter],
                "Roll the output when the next write would take it past this size (default 256MB; 0: never roll)."),
            ConnectorParameter(
                "keep", .integer(0...Int.max), example: "5", roles: [.sink, .deadLetter],
                "How many rolled files (PATH.1 … PATH.keep) are kept; older ones are deleted (default 3)."),
        ],
        example: "file:events.ndjson")

    /// `stdout:`.
    public static let stdout = ConnectorKind(
        scheme: "stdout", summary: "Rows as NDJSON on standard output.", roles: .sink, path: .empty,
        example: "stdout:")

    /// `sqlite:PATH`: the embedded view store.
    public static let sqlite = ConnectorKind(
        scheme: "sqlite", summary: "An embedded SQLite database; each view is an upserted table.", roles: .sink,
        path: .required("a database file path"), keepsViews: true, example: "sqlite:.sluice/views.db")

    /// `memory:NAME`: for tests.
    public static let memory = ConnectorKind(
        scheme: "memory", summary: "An in-memory sink that tests read back (as a dead-letter output: counted only).",
        roles: [.sink, .deadLetter],
        path: .required("a name"), example: "memory:results")

    /// `amqp://...`: recognised, not yet runnable.
    public static let amqp = ConnectorKind(
        scheme: "amqp", summary: "RabbitMQ (AMQP 0-9-1): consume a queue or publish to an exchange.",
        roles: [.source, .sink, .deadLetter], isHierarchical: true,
        parameters: [
            ConnectorParameter("queue", .text, example: "events", "The queue to consume."),
            ConnectorParameter("exchange", .text, example: "alerts", "The exchange to publish to."),
            ConnectorParameter("routing_key", .text, example: "alerts.performance", "The routing key of published messages."),
            ConnectorParameter("prefetch", .integer(1...65535), example: "500", "Unacknowledged messages in flight."),
        ],
        isAvailable: false, example: "amqp://daa:${AMQP_PASSWORD}@localhost:5672/daa?queue=events")

    /// `amqps://...`: recognised, not yet runnable.
    public static let amqps = ConnectorKind(
        scheme: "amqps", summary: "RabbitMQ over TLS.", roles: amqp.roles, isHierarchical: true, parameters: amqp.parameters,
        isAvailable: false, example: "amqps://daa:${AMQP_PASSWORD}@mq.example.com/daa?queue=events")

    /// `postgres://user@host:port/db`: views upserted in PostgreSQL, committed with the
    /// pipeline's checkpoint in one transaction per epoch; or events read from a table.
    public static let postgres = ConnectorKind(
        scheme: "postgres",
        summary: "PostgreSQL: upserted views, committed with the checkpoint in one transaction per epoch; as a source, the events of a table or view, read once through a cursor.",
        roles: [.source, .sink], isHierarchical: true,
        parameters: [
            ConnectorParameter("schema", .text, example: "daa", "The database schema holding the views and Sluice's tables (default public)."),
            ConnectorParameter("sslmode", .text, example: "require", "libpq's sslmode (disable, prefer, require, verify-ca, verify-full)."),
            ConnectorParameter("connect_timeout", .integer(1...3600), example: "5", "Seconds to wait for a connection."),
            ConnectorParameter("password_file", .text, example: "/run/secrets/pg-password", "A file holding the password; otherwise libpq reads PGPASSWORD or PGPASSFILE."),
            ConnectorParameter("table", .text, example: "events", roles: .source, "The table or view holding the events (required for a source; in `schema`)."),
            ConnectorParameter("column", .text, example: "body", roles: .source, "The json, jsonb or text column holding each event; without it each whole row is an event (its columns the fields)."),
            ConnectorParameter("order_by", .text, example: "seq", roles: .source, "Columns, comma-separated, that order the rows totally (a unique key): a restart resumes after the rows already read (required for a source)."),
        ],
        passwordInURI: false, keepsViews: true, example: "postgres://sluice@localhost:5432/daa?schema=daa")

    /// `kafka://...`: recognised, not yet runnable.
    public static let kafka = ConnectorKind(
        scheme: "kafka", summary: "Kafka: consume a topic with a consumer group, or produce to one.",
        roles: [.source, .sink, .deadLetter], isHierarchical: true,
        parameters: [
            ConnectorParameter("topic", .text, example: "daa-events", "The topic."),
            ConnectorParameter("group", .text, example: "sluice", "The consumer group."),
        ],
        isAvailable: false, example: "kafka://localhost:9092?topic=daa-events&group=sluice")

    /// `archive:DIR`: the LZ4 event archive (segments with an index each).
    public static let archive = ConnectorKind(
        scheme: "archive",
        summary:
            "The LZ4 event archive: as a sink, every row as an NDJSON line in LZ4-framed segments with an index each, durable per epoch; as a source, the rows of a time range, one split per segment, reading only segments whose index overlaps it.",
        roles: [.source, .sink], path: .required("a directory"),
        parameters: [
            ConnectorParameter(
                "from", .text, example: "2026-01-01", roles: .source,
                "Read rows whose event time is at or after this (epoch ms, a date at 00:00 UTC, or RFC 3339)."),
            ConnectorParameter(
                "to", .text, example: "2026-01-02T00:00:00Z", roles: .source,
                "Read rows whose event time is before this (epoch ms, a date, or RFC 3339)."),
            ConnectorParameter(
                "time_field", .text, example: "ts", roles: [.source, .sink],
                "The event-time field the index ranges and the range filter use (default: the pipeline's event_time field, else ts)."),
            ConnectorParameter(
                "max_bytes", .size, example: "64MB", roles: .sink,
                "Start a new segment at the commit that takes the current one past this much compressed data (default 64MB)."),
            ConnectorParameter(
                "roll_every", .duration, example: "1h", roles: .sink,
                "Start a new segment at the first commit after the current one is this old (default 1h)."),
        ],
        example: "archive:.sluice/archive")
}
