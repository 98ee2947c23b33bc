import Foundation
import Logging
import SluiceConnectors
import SluiceCore
import SluiceOperators
import SluiceOps
import SluiceRuntime
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An unbounded source whose splits each deliver their batches once and then have no
/// traffic: a split given older events holds the watermark back for good.
struct HeldSource: Source {
    let name = "events"
    let schema = Schema([Field("agent_id", .string, nullable: false), Field("ts", .timestamp, nullable: false)])
    /// Per split, the event times it delivers.
    let times: [[Int64]]
    /// Splits that, after their times, keep delivering one event every 5 ms, a
    /// millisecond of event time later each.
    var steady: Set<Int> = []

    var splitCount: Int { times.count }
    var isBounded: Bool { false }

    func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        var builder = BatchBuilder(schema: schema)
        for time in times[index] { builder.append(values: [.string("agent-\(index)"), .timestamp(time)]) }
        return Reader(
            batch: times[index].isEmpty ? nil : builder.finish(), name: name, split: index,
            steadyFrom: steady.contains(index) ? times[index].last : nil, schema: schema)
    }

    final class Reader: SourceReader {
        var batch: Batch?
        let name: String
        let split: Int
        var steadyTime: Int64?
        let schema: Schema
        var offset: Int64 = 0
        init(batch: Batch?, name: String, split: Int, steadyFrom: Int64?, schema: Schema) {
            self.batch = batch
            self.name = name
            self.split = split
            self.steadyTime = steadyFrom
            self.schema = schema
        }
        func next(maxRows: Int) throws -> SourceChunk {
            offset += 1
            if var batch {
                self.batch = nil
                batch.position = SourcePosition(source: name, split: split, offset: offset)
                return .data(batch, rejections: [])
            }
            guard let time = steadyTime else { return .idle }
            Thread.sleep(forTimeInterval: 0.005)
            steadyTime = time + 1
            var builder = BatchBuilder(schema: schema)
            builder.append(values: [.string("agent-\(split)"), .timestamp(time + 1)])
            var next = builder.finish()
            next.position = SourcePosition(source: name, split: split, offset: offset)
            return .data(next, rejections: [])
        }
    }
}

@Suite struct WatermarksTests {
    static let base: Int64 = 1_764_000_000_000

    /// A keyed 10 s window fed by two splits, one 90 s behind the other (slow), or one
    /// with no traffic at all past its idle timeout (idle).
    /// `throughStep`: a step (a one-input union, "merge") between the source and the window,
    /// so the window's only channel comes from that step, not from a split.
    private func job(times: [[Int64]], steady: Set<Int> = [], idleTimeout: Int64? = nil, throughStep: Bool = false)
        throws -> (Job, Thread)
    {
        let flow = Dataflow(name: "held")
        let source = HeldSource(times: times, steady: steady)
        var events = flow.source(source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0, idleTimeoutMillis: idleTimeout))
        if throughStep {
            events = flow.add("merge", inputs: [(events, .forward)], preservesPartitioning: true) { _ in
                UnionOperator(inputSchemas: [source.schema])
            }[0]
        }
        let counts = flow.add("counts", inputs: [(events, .hash(["agent_id"]))]) { _ in
            KeyedAggregateOperator(
                inputSchema: source.schema, keys: ["agent_id"], timeField: "ts", window: .tumbling(sizeMillis: 10_000),
                aggregates: [AggregateSpec("n", .count)])
        }
        flow.sink("view", from: counts[0], to: MemorySink(), mode: .append)
        let job = try Job(flow, options: RunOptions(workers: 1, partitions: 1))
        let thread = Thread { _ = try? job.run() }
        thread.start()
        return (job, thread)
    }

    /// Waits until the window vertex's channels satisfy `ready` (at most 20 s).
    private func progress(_ job: Job, until ready: (VertexProgress) -> Bool) -> VertexProgress? {
        let end = Date().addingTimeInterval(20)
        while Date() < end {
            if let vertex = job.watermarkProgress().first?.vertices.first(where: { $0.vertex == "counts" }), ready(vertex) {
                return vertex
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    @Test func theSlowSplitIsNamedAsHoldingTheWatermark() throws {
        let (job, _) = try job(times: [[Self.base + 100_000, Self.base + 101_000], [Self.base + 10_000]])
        defer { job.stop() }
        let vertex = try #require(progress(job) { $0.channels.allSatisfy { $0.watermark > .beginningOfTime } })
        let holding = try #require(vertex.holding)
        #expect(holding.split == "events/1")
        #expect(holding.watermark == Self.base + 10_000)
        #expect(vertex.watermark == Self.base + 10_000)
        #expect(vertex.channels.first { $0.split == "events/0" }?.watermark == Self.base + 101_000)
    }

    /// Over HTTP from an in-process server: the idle split is listed idle, and the split
    /// that still has traffic holds the watermark.
    @Test func theWatermarksEndpointNamesIdleAndHoldingSplits() throws {
        let (job, _) = try job(times: [[Self.base + 100_000], []], steady: [0], idleTimeout: 200)
        defer { job.stop() }
        _ = try #require(progress(job) { $0.channels.contains { $0.idle } && $0.watermark != nil })
        let state = OpsState(
            pipelines: [OpsState.Pipeline(name: "held", job: job)], configuration: OpsConfiguration(port: 0))
        let server = OpsServer(state: state, metrics: OpsMetrics(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let port = try server.start()
        defer { server.stop() }
        let body = try get(port, "/pipelines/held/watermarks")
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let vertices = try #require(json["vertices"] as? [[String: Any]])
        let counts = try #require(vertices.first { $0["vertex"] as? String == "counts" }, "\(vertices)")
        #expect((counts["holding"] as? [String: Any])?["split"] as? String == "events/0", "\(counts)")
        #expect((counts["idle"] as? [[String: Any]])?.compactMap { $0["split"] as? String } == ["events/1"], "\(counts)")
        #expect(counts["watermark"] as? Int64 ?? 0 >= Self.base + 100_000, "\(counts)")
        #expect(try get(port, "/pipelines/nope/watermarks", expect: 404).isEmpty == false)
    }

    /// "Why hasn't this window fired", for a key: agent-0's window is far ahead of split 1,
    /// which has read only old events (slow): the answer names events/1 as what holds the
    /// window back. Then a split goes idle: the answer lists it idle and names the split
    /// still moving.
    @Test func theKeyWindowsEndpointNamesTheSplitHoldingAKeysWindow() throws {
        let (job, _) = try job(times: [[Self.base + 100_000, Self.base + 101_000], [Self.base + 10_000]])
        defer { job.stop() }
        _ = try #require(progress(job) { $0.channels.allSatisfy { $0.watermark > .beginningOfTime } })
        let port = try serve(job)
        defer { port.server.stop() }

        let json = try #require(try JSONSerialization.jsonObject(with: get(port.port, "/pipelines/held/windows?key=agent-0")) as? [String: Any])
        #expect(json["found"] as? Bool == true, "\(json)")
        let step = try #require((json["steps"] as? [[String: Any]])?.first, "\(json)")
        #expect(step["vertex"] as? String == "counts")
        #expect(step["keyColumns"] as? [String] == ["agent_id"])
        #expect(step["watermark"] as? Int64 == Self.base + 10_000, "\(step)")
        #expect((step["holding"] as? [String: Any])?["split"] as? String == "events/1", "\(step)")
        let window = try #require((step["windows"] as? [[String: Any]])?.first, "\(step)")
        #expect(window["start"] as? Int64 == Self.base + 100_000)
        #expect(window["end"] as? Int64 == Self.base + 110_000)
        #expect(window["fired"] as? Bool == false)
        let fires = window["fires"] as? String ?? ""
        #expect(fires.contains("events/1") && fires.contains("100000 ms of event time short"), "\(fires)")

        let unseen = try #require(try JSONSerialization.jsonObject(with: get(port.port, "/pipelines/held/windows?key=agent-9")) as? [String: Any])
        #expect(unseen["found"] as? Bool == false && unseen["keyedSteps"] as? [String] == ["counts"], "\(unseen)")
        #expect(try get(port.port, "/pipelines/held/windows", expect: 400).isEmpty == false)
    }

    /// The same held-back window, fed by another step: the window's only input is that
    /// step's channel, and the answer follows it through the graph to the source split
    /// behind it (events/1), over HTTP and in the sentence saying when the window fires.
    @Test func theKeyWindowsEndpointNamesTheSourceSplitBehindAStep() throws {
        let (job, _) = try job(times: [[Self.base + 100_000, Self.base + 101_000], [Self.base + 10_000]], throughStep: true)
        defer { job.stop() }
        let vertex = try #require(progress(job) { $0.watermark == Self.base + 10_000 })
        #expect(vertex.holding?.split == nil && vertex.holding?.upstream == "merge", "\(vertex)")
        let port = try serve(job)
        defer { port.server.stop() }

        let json = try #require(try JSONSerialization.jsonObject(with: get(port.port, "/pipelines/held/windows?key=agent-0")) as? [String: Any])
        let step = try #require((json["steps"] as? [[String: Any]])?.first { $0["vertex"] as? String == "counts" }, "\(json)")
        let holding = try #require(step["holding"] as? [String: Any], "\(step)")
        #expect(holding["split"] == nil, "\(holding)")
        let source = try #require(holding["source"] as? [String: Any], "\(holding)")
        #expect(source["split"] as? String == "events/1", "\(source)")
        #expect(source["watermark"] as? Int64 == Self.base + 10_000, "\(source)")
        #expect(source["through"] as? [String] == ["merge@0"], "\(source)")
        let window = try #require((step["windows"] as? [[String: Any]])?.first, "\(step)")
        let fires = window["fires"] as? String ?? ""
        #expect(
            fires.contains("source split events/1 (through merge@0)") && fires.contains("100000 ms of event time short"),
            "\(fires)")

        let watermarks = try #require(try JSONSerialization.jsonObject(with: get(port.port, "/pipelines/held/watermarks")) as? [String: Any])
        let counts = try #require((watermarks["vertices"] as? [[String: Any]])?.first { $0["vertex"] as? String == "counts" })
        #expect(((counts["holding"] as? [String: Any])?["source"] as? [String: Any])?["split"] as? String == "events/1", "\(counts)")
    }

    @Test func theKeyWindowsEndpointListsAnIdleSplit() throws {
        let (job, _) = try job(times: [[Self.base + 100_000], []], steady: [0], idleTimeout: 200)
        defer { job.stop() }
        _ = try #require(progress(job) { $0.channels.contains { $0.idle } && $0.watermark != nil })
        let port = try serve(job)
        defer { port.server.stop() }
        let json = try #require(try JSONSerialization.jsonObject(with: get(port.port, "/pipelines/held/windows?key=agent-0")) as? [String: Any])
        let step = try #require((json["steps"] as? [[String: Any]])?.first, "\(json)")
        #expect((step["idle"] as? [[String: Any]])?.compactMap { $0["split"] as? String } == ["events/1"], "\(step)")
        #expect((step["holding"] as? [String: Any])?["split"] as? String == "events/0", "\(step)")
        let open = (step["windows"] as? [[String: Any]] ?? []).filter { $0["fired"] as? Bool == false }
        #expect(open.count == 1, "\(step)")
    }

    private func serve(_ job: Job) throws -> (server: OpsServer, port: Int) {
        let state = OpsState(
            pipelines: [OpsState.Pipeline(name: "held", job: job)], configuration: OpsConfiguration(port: 0))
        let server = OpsServer(state: state, metrics: OpsMetrics(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return (server, try server.start())
    }

    private func get(_ port: Int, _ path: String, expect status: Int = 200) throws -> Data {
        let result = Mutex<(Int, Data)?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: URL(string: "http://127.0.0.1:\(port)\(path)")!) { data, response, _ in
            result.withLock { $0 = ((response as? HTTPURLResponse)?.statusCode ?? -1, data ?? Data()) }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 10)
        let (code, data) = try #require(result.withLock { $0 })
        #expect(code == status)
        return data
    }
}
