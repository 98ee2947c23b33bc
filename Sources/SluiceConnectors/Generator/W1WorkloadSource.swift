public import SluiceCore

/// The W1 benchmark stream (`workloads.md`) as a source: `events` (N) events of `agents` (K)
/// agents, columns `agent_id`, `metric`, `value`, `ts`, all non-null.
///
/// - `agent_id` is the agent number (int64), or `agent-%06d` text when `agentIdsAsStrings`.
/// - Split `s` of `splits` (P) carries events e = s, s+P, s+2P, ... in that order; its
///   position offset counts the events it has emitted, and reopening after a position
///   continues with the next event directly (no replay needed).
/// - String columns are dictionary-encoded per batch: the agent dictionary holds only the
///   agents present in the batch.
public struct W1WorkloadSource: Source {
    public let name: String
    public let agents: Int
    public let events: Int
    public let splits: Int
    public let batchRows: Int
    public let agentIdsAsStrings: Bool
    public let schema: Schema
    /// `agent-%06d` for every agent, made once and shared by the readers.
    private let agentNames: [String]

    /// - Throws: `SluiceError.invalidArgument` for a non-positive agent, split or batch count
    ///   or a negative event count.
    public init(
        name: String = "w1", agents: Int, events: Int, splits: Int = 1, batchRows: Int = 4096, agentIdsAsStrings: Bool
    ) throws {
        guard agents >= 1, events >= 0, splits >= 1, batchRows >= 1 else {
            throw SluiceError(
                .invalidArgument,
                "w1: agents, splits and batchRows must be positive and events non-negative "
                    + "(agents \(agents), events \(events), splits \(splits), batchRows \(batchRows))")
        }
        self.name = name
        self.agents = agents
        self.events = events
        self.splits = splits
        self.batchRows = batchRows
        self.agentIdsAsStrings = agentIdsAsStrings
        schema = Self.schema(agentIdsAsStrings: agentIdsAsStrings)
        agentNames = agentIdsAsStrings ? (0..<agents).map { DAASplitGenerator.agentId($0) } : []
    }

    /// The W1 record: `agent_id` int64 (or string), `metric` string, `value` double, `ts` timestamp.
    public static func schema(agentIdsAsStrings: Bool) -> Schema {
        Schema([
            Field("agent_id", agentIdsAsStrings ? .string : .int64, nullable: false),
            Field("metric", .string, nullable: false),
            Field("value", .double, nullable: false),
            Field("ts", .timestamp, nullable: false),
        ])
    }

    public var splitCount: Int { splits }
    public var isBounded: Bool { true }

    /// Events split `index` carries in total.
    public func events(inSplit index: Int) -> Int64 {
        Int64(events / splits + (index < events % splits ? 1 : 0))
    }

    public func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        guard (0..<splits).contains(index) else {
            throw SluiceError(.invalidArgument, "w1 source '\(name)' has no split \(index)")
        }
        let total = events(inSplit: index)
        var offset: Int64 = 0
        if let position {
            guard position.source == name, position.split == index, (0...total).contains(position.offset) else {
                throw SluiceError(.invalidArgument, "position \(position) does not belong to split \(index) of '\(name)'")
            }
            offset = position.offset
        }
        return W1WorkloadReader(source: self, split: index, total: total, offset: offset, agentNames: agentNames)
    }
}

/// Reads one split of a `W1WorkloadSource`, computing each batch's columns directly.
final class W1WorkloadReader: SourceReader {
    private let source: W1WorkloadSource
    private let split: Int
    private let total: Int64
    private var offset: Int64
    private let agentNames: [String]
    /// Agent → code in the batch being built (`UInt32.max`: absent); reset after each batch.
    private var agentCodes: [UInt32]

    init(source: W1WorkloadSource, split: Int, total: Int64, offset: Int64, agentNames: [String]) {
        self.source = source
        self.split = split
        self.total = total
        self.offset = offset
        self.agentNames = agentNames
        agentCodes = source.agentIdsAsStrings ? [UInt32](repeating: .max, count: source.agents) : []
    }

    func next(maxRows: Int) throws -> SourceChunk {
        if offset >= total { return .end }
        let count = Int(min(Int64(max(0, min(maxRows, source.batchRows))), total - offset))
        let agents = UInt64(source.agents)
        let stride = UInt64(source.splits)
        var e = UInt64(split) + UInt64(offset) * stride
        var agentIds = [Int64](repeating: 0, count: count)
        var metricCodes = [UInt32](repeating: 0, count: count)
        var values = [Double](repeating: 0, count: count)
        var times = [Int64](repeating: 0, count: count)
        agentIds.withUnsafeMutableBufferPointer { agentIds in
            metricCodes.withUnsafeMutableBufferPointer { metricCodes in
                values.withUnsafeMutableBufferPointer { values in
                    times.withUnsafeMutableBufferPointer { times in
                        for row in 0..<count {
                            let event = W1Workload.event(e, agents: agents)
                            agentIds[row] = event.agent
                            metricCodes[row] = UInt32(truncatingIfNeeded: event.metricIndex)
                            values[row] = event.value
                            times[row] = event.ts
                            e &+= stride
                        }
                    }
                }
            }
        }
        offset += Int64(count)
        let agentColumn = source.agentIdsAsStrings ? encodeAgents(agentIds) : Column(ints: agentIds)
        let batch = Batch(
            schema: source.schema,
            columns: [
                agentColumn, Column(codes: metricCodes, dictionary: W1Workload.metrics), Column(doubles: values),
                Column(ints: times, type: .timestamp),
            ],
            count: count, position: SourcePosition(source: source.name, split: split, offset: offset))
        return .data(batch, rejections: [])
    }

    /// Agent numbers → codes into a dictionary of just the agents this batch holds.
    private func encodeAgents(_ agents: [Int64]) -> Column {
        var dictionary: [String] = []
        var touched: [Int] = []
        var codes = [UInt32](repeating: 0, count: agents.count)
        agentCodes.withUnsafeMutableBufferPointer { agentCodes in
            for (row, agent) in agents.enumerated() {
                let a = Int(agent)
                if agentCodes[a] == .max {
                    agentCodes[a] = UInt32(dictionary.count)
                    dictionary.append(agentNames[a])
                    touched.append(a)
                }
                codes[row] = agentCodes[a]
            }
            for a in touched { agentCodes[a] = .max }
        }
        return Column(codes: codes, dictionary: dictionary)
    }

    var progress: Double? { total == 0 ? 1 : Double(offset) / Double(total) }
}
