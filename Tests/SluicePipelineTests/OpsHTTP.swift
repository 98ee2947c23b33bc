import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `sluice run --http 127.0.0.1:0` child: its bound port (read from its log line), its
/// collected output, and plain HTTP GETs over loopback.
final class OpsDaemon: Sendable {
    let process: Process
    private let collected = Mutex<(out: Data, err: Data)>((Data(), Data()))
    private let out: Pipe
    private let err: Pipe

    init(_ sluice: SluiceProcess) throws {
        let (process, out, err) = try sluice.start()
        self.process = process
        self.out = out
        self.err = err
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.collected.withLock { $0.out.append(data) }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.collected.withLock { $0.err.append(data) }
        }
    }

    var stderr: String { String(decoding: collected.withLock { $0.err }, as: UTF8.self) }
    var stdout: String { String(decoding: collected.withLock { $0.out }, as: UTF8.self) }

    /// Waits until `predicate` holds for stderr (or the process ends, or `seconds` pass).
    func waitForStderr(seconds: TimeInterval = 30, _ predicate: (String) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if predicate(stderr) { return true }
            if !process.isRunning { return predicate(stderr) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// The port from "http endpoints listening on 127.0.0.1:PORT".
    func port() throws -> Int {
        _ = waitForStderr { $0.contains("http endpoints listening on ") }
        let text = stderr
        guard let range = text.range(of: "listening on 127.0.0.1:") else {
            throw Failure(description: "no listening line in stderr:\n\(text)")
        }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        guard let port = Int(digits) else { throw Failure(description: "no port in stderr:\n\(text)") }
        return port
    }

    /// Waits for the exit (at most `seconds`; then kills it); returns the status, or nil when killed.
    func waitForExit(seconds: TimeInterval) -> Int32? {
        let end = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        let rest = (out.fileHandleForReading.readDataToEndOfFile(), err.fileHandleForReading.readDataToEndOfFile())
        collected.withLock {
            $0.out.append(rest.0)
            $0.err.append(rest.1)
        }
        return process.terminationStatus
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
}

/// One HTTP GET over loopback: status and body (throws when nothing answers in time).
struct HTTPAnswer {
    var status: Int
    var body: String
    var contentType: String?

    static func get(_ port: Int, _ path: String, timeout: TimeInterval = 10) throws -> HTTPAnswer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.timeoutInterval = timeout
        let result = Mutex<Result<HTTPAnswer, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                result.withLock { $0 = .failure(error) }
            } else if let http = response as? HTTPURLResponse {
                let answer = HTTPAnswer(
                    status: http.statusCode, body: String(decoding: data ?? Data(), as: UTF8.self),
                    contentType: http.value(forHTTPHeaderField: "Content-Type"))
                result.withLock { $0 = .success(answer) }
            }
            done.signal()
        }
        task.resume()
        guard done.wait(timeout: .now() + timeout + 1) == .success, let answer = result.withLock({ $0 }) else {
            task.cancel()
            throw OpsDaemon.Failure(description: "GET \(path): no answer in \(timeout) s")
        }
        return try answer.get()
    }

    /// The value of the first sample of `metric` whose labels contain `labels`, in a
    /// Prometheus text exposition.
    func sample(_ metric: String, labels: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(metric + "{") && line.contains(labels) {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return value }
        }
        return nil
    }
}
