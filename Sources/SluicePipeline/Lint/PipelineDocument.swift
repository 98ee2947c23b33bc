/// A value together with where it was written.
struct Located<Value: Sendable>: Sendable {
    var value: Value
    var location: FileLocation
    /// Columns the value spans on its line (for the caret).
    var length: Int

    init(_ value: Value, at location: FileLocation, length: Int = 1) {
        self.value = value
        self.location = location
        self.length = max(1, length)
    }
}

/// A name written in the file next to the text it names (`p95: percentile(value, 0.95)`).
struct NamedText: Sendable {
    var name: Located<String>
    var text: SpannedText
}

/// A pipeline file after the schema check, in graph form whichever form it was written
/// in: the linear form becomes a chain of nodes here, so one checker and one planner
/// serve both.
struct PipelineDocument: Sendable {
    enum Form: String, Sendable { case linear, graph }

    var name: Located<String>
    var description: String?
    var partitions: Int?
    /// The `schedule:` text, checked as a cron schedule.
    var schedule: Located<String>? = nil
    /// `on_incompatible_change: start_fresh` (checked by the schema).
    var startFreshOnIncompatibleChange = false
    var form: Form
    var sources: [SourceDecl] = []
    var nodes: [NodeDecl] = []
    var sinks: [SinkDecl] = []
    /// nil when the written URI was unusable (already reported).
    var deadLetter: SpannedText?
    var location: FileLocation
}

struct SourceDecl: Sendable {
    var name: Located<String>
    /// nil when the written URI was unusable (already reported).
    var uri: SpannedText?
    var format: String
    /// nil when the file does not say (the connector decides; DAA events by default).
    var schema: SchemaDecl?
    var eventTime: EventTimeDecl?
}

enum SchemaDecl: Sendable {
    case builtIn(Located<String>)
    case fields([(name: Located<String>, type: Located<String>)])
}

struct EventTimeDecl: Sendable {
    var field: Located<String>
    var maxOutOfOrdernessMillis: Int64
    var allowedLatenessMillis: Int64
    var idleTimeoutMillis: Int64?
}

struct WindowDecl: Sendable {
    enum Kind: Sendable {
        case tumbling(sizeMillis: Int64)
        case sliding(sizeMillis: Int64, slideMillis: Int64)
        case session(gapMillis: Int64)
    }
    var kind: Kind
    var location: FileLocation
    /// Where the window's late events go when it was declared on the window step (the
    /// linear form's `late:`, or `late` on a graph-form window node): the aggregate that
    /// completes the window takes it over.
    var late: SpannedText?
}

struct JoinDecl: Sendable {
    enum Bounds: Sendable {
        case interval(lowerMillis: Int64, upperMillis: Int64)
        case window(sizeMillis: Int64)
    }
    var left: Located<String>
    var right: Located<String>
    /// nil when the keys come from keyed inputs.
    var leftKeys: [Located<String>]?
    var rightKeys: [Located<String>]?
    var bounds: Bounds?
    var emitUnmatchedLeft: Bool
    var leftPrefix: String
    var rightPrefix: String
    var timeField: Located<String>
    var location: FileLocation
}

/// The operator a node applies, as written (before types are known).
enum OperatorDecl: Sendable {
    case filter(SpannedText)
    case map([NamedText])
    case select([Located<String>])
    /// key_by, window and aggregate/fold, each optional: a node may carry any of them and
    /// the checker decides whether the combination (with its input) makes sense.
    case keyed(keyBy: [Located<String>]?, window: WindowDecl?, aggregates: [NamedText]?, isFold: Bool)
    case dedupe(field: Located<String>, horizonMillis: Int64)
    case union
    case branch(routes: [NamedText], defaultRoute: Located<String>?)
    case join(JoinDecl)
    /// An operator whose settings were rejected by the schema check: its output is
    /// unknown, so checks downstream of it are skipped rather than piling up.
    case invalid(keyword: String)

    /// The operator's kind as users write it.
    var keyword: String {
        switch self {
        case .filter: "filter"
        case .map: "map"
        case .select: "select"
        case .keyed(let keys, let window, let aggregates, let isFold):
            isFold ? "fold" : aggregates != nil ? "aggregate" : window != nil ? "window" : keys != nil ? "key_by" : "aggregate"
        case .dedupe: "dedupe"
        case .union: "union"
        case .branch: "branch"
        case .join: "join"
        case .invalid(let keyword): keyword
        }
    }
}

struct NodeDecl: Sendable {
    var name: Located<String>
    /// References to the inputs: sources, nodes or `node.route`.
    var inputs: [Located<String>]
    var op: OperatorDecl
    /// Where the node's late events go (windows only).
    var late: SpannedText?
    var location: FileLocation
}

struct SinkDecl: Sendable {
    var name: Located<String>
    var input: Located<String>
    /// nil when the written URI was unusable (already reported).
    var uri: SpannedText?
    var view: Located<String>?
    var key: [Located<String>]?
    var mode: Located<String>?
    var flushEveryMillis: Int64
    var location: FileLocation
}
