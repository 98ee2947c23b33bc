import ArgumentParser
import Dispatch
import Foundation
import SluiceOps
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `sluice inspect PIPELINE --http HOST:PORT`: asks a running `sluice run --http` where
/// event time stands in each partition of a pipeline, and what holds it back.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what holds a running pipeline's watermark back (windows fire when it passes their end).",
        discussion: """
            Asks the endpoints of a running `sluice run --http ADDRESS` for the pipeline's \
            watermarks: per partition and keyed step, the watermark and the input holding \
            it back (the lowest source split or upstream partition that is not idle), and \
            which splits are idle. A window fires once the watermark passes its end, so \
            the holding input is why a window has not fired yet.

            With --key (once per key column, in the step's key order) it answers for that \
            key: the partition and keyed step holding its state, its windows and their \
            ends, the watermark there, the input holding it back, and when each window \
            fires. Asking leaves no trace in the running pipeline.

            Example:
              sluice inspect agent-metrics --http 127.0.0.1:9464
              sluice inspect agent-metrics --key agent-0007 --key cpu
            """)

    @Argument(help: "The pipeline's name.")
    var pipeline: String

    @Option(help: ArgumentHelp("Where the run serves its endpoints.", valueName: "host:port"))
    var http: String = "127.0.0.1:9464"

    @Option(help: ArgumentHelp("A key to explain: once per key column, in order.", valueName: "value"))
    var key: [String] = []

    func run() throws {
        guard let (host, port) = OpsConfiguration.parseAddress(http) else {
            throw ValidationError("--http wants HOST:PORT, e.g. 127.0.0.1:9464; got '\(http)'")
        }
        let name = pipeline.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? pipeline
        var components = URLComponents()
        components.scheme = "http"
        components.host = host
        components.port = port
        components.percentEncodedPath = "/pipelines/\(name)/" + (key.isEmpty ? "watermarks" : "windows")
        if !key.isEmpty { components.queryItems = key.map { URLQueryItem(name: "key", value: $0) } }
        let (status, body) = try Self.get(components.url!)
        guard status == 200 else {
            Terminal.printError("error: \(http) answered \(status): \(String(decoding: body, as: UTF8.self))")
            throw ExitCode(1)
        }
        guard let json = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            Terminal.printError("error: \(http) did not answer JSON")
            throw ExitCode(1)
        }
        print(key.isEmpty ? Self.render(json) : Self.renderKey(json), terminator: "")
    }

    /// The key's windows, one block per keyed step and partition holding them.
    static func renderKey(_ json: [String: Any]) -> String {
        let key = (json["key"] as? [String] ?? []).joined(separator: ", ")
        let steps = json["steps"] as? [[String: Any]] ?? []
        var text = ""
        if steps.isEmpty {
            let keyed = json["keyedSteps"] as? [String] ?? []
            text += keyed.isEmpty
                ? "no keyed step has \((json["key"] as? [String] ?? []).count) key column(s)\n"
                : "no state for key (\(key)) in \(keyed.joined(separator: ", ")): no open window holds it\n"
        }
        for step in steps {
            let columns = (step["keyColumns"] as? [String] ?? []).joined(separator: ", ")
            text += "key (\(key)) in \(step["vertex"] as? String ?? "?") [\(columns)], partition \(step["partition"] as? Int ?? 0)\n"
            text += "  watermark \(step["watermarkUTC"] as? String ?? "none yet")\n"
            if let holding = step["holding"] as? [String: Any] {
                let what = Self.holdingInput(holding)
                text += "  held back by \(what) at \(holding["watermarkUTC"] as? String ?? "no watermark yet")\n"
            } else {
                text += "  held back by nothing: every input is idle or closed\n"
            }
            let idle = (step["idle"] as? [[String: Any]] ?? []).map { ($0["split"] as? String) ?? "channel \($0["channel"] ?? "?")" }
            if !idle.isEmpty { text += "  idle: \(idle.joined(separator: ", "))\n" }
            for window in step["windows"] as? [[String: Any]] ?? [] {
                let bounds = "[\(window["startUTC"] as? String ?? "-"), \(window["endUTC"] as? String ?? "-"))"
                text += "  window \(bounds): \(window["fires"] as? String ?? "?")\n"
            }
        }
        if let unanswered = json["unanswered"] as? [Int], !unanswered.isEmpty {
            text += "partitions \(unanswered.map(String.init).joined(separator: ", ")) did not answer in time\n"
        }
        return text
    }

    /// The input holding a watermark back: its source split, or for a channel from another
    /// step the source split behind it (`SourceBehind`: through which steps).
    static func holdingInput(_ holding: [String: Any]) -> String {
        if let split = holding["split"] as? String { return "split \(split)" }
        guard let source = holding["source"] as? [String: Any] else { return "upstream channel \(holding["channel"] ?? "?")" }
        let through = (source["through"] as? [String] ?? []).joined(separator: ", ")
        if let split = source["split"] as? String { return "split \(split) (through \(through))" }
        let idle = (source["idle"] as? [String] ?? []).joined(separator: ", ")
        return idle.isEmpty ? "an upstream step that did not answer (\(through))" : "idle split(s) \(idle) (through \(through))"
    }

    /// One block per partition and step.
    static func render(_ json: [String: Any]) -> String {
        var text = ""
        for vertex in json["vertices"] as? [[String: Any]] ?? [] {
            let name = vertex["vertex"] as? String ?? "?"
            let partition = vertex["partition"] as? Int ?? 0
            let watermark = vertex["watermarkUTC"] as? String ?? "none yet"
            text += "partition \(partition) \(name): watermark \(watermark)\n"
            if let holding = vertex["holding"] as? [String: Any] {
                let what = Self.holdingInput(holding)
                text += "  held back by \(what) at \(holding["watermarkUTC"] as? String ?? "no watermark yet")\n"
            } else {
                text += "  held back by nothing: every input is idle or closed\n"
            }
            let idle = (vertex["idle"] as? [[String: Any]] ?? []).map { ($0["split"] as? String) ?? "channel \($0["channel"] ?? "?")" }
            if !idle.isEmpty { text += "  idle: \(idle.joined(separator: ", "))\n" }
        }
        if let unanswered = json["unanswered"] as? [Int], !unanswered.isEmpty {
            text += "partitions \(unanswered.map(String.init).joined(separator: ", ")) did not answer in time\n"
        }
        return text
    }

    private static func get(_ url: URL) throws -> (Int, Data) {
        let result = Mutex<Result<(Int, Data), any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: url) { data, response, error in
            if let error {
                result.withLock { $0 = .failure(error) }
            } else {
                result.withLock { $0 = .success(((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data())) }
            }
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 10) == .success, let answer = result.withLock({ $0 }) else {
            Terminal.printError("error: no answer from \(url.host ?? "?") within 10 s")
            throw ExitCode(1)
        }
        do {
            return try answer.get()
        } catch {
            Terminal.printError("error: cannot reach \(url.absoluteString): \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
}
