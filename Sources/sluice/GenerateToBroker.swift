import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline

/// `sluice generate --output amqp://…`: events (generated, or the lines of a file) to
/// RabbitMQ, `perMessage` per message, confirmed by the broker in chunks.
struct GenerateToBroker {
    let uri: String
    let perMessage: Int

    func run(source: (any Source)?, file: String?) throws {
        let output = try AMQPEventOutput(uri: uri)
        defer { output.publisher.close() }
        var pending: [AMQPConfirmedPublisher.Message] = []
        var events = 0
        var messages = 0
        // Lines waiting to fill one message, and the key of the first.
        var bodyLines: [[UInt8]] = []
        var bodyKey = ""

        func flushBody() {
            guard !bodyLines.isEmpty else { return }
            let body = perMessage == 1 ? bodyLines[0] : Array(bodyLines.joined(separator: [0x0A]))
            pending.append(.init(routingKey: bodyKey, body: body, contentType: perMessage == 1 ? "application/json" : "application/x-ndjson"))
            bodyLines = []
        }
        func add(_ line: [UInt8], key: @autoclosure () -> String) throws {
            if bodyLines.isEmpty { bodyKey = key() }
            bodyLines.append(line)
            events += 1
            if bodyLines.count == perMessage { flushBody() }
            if pending.count >= 10_000 { try confirm() }
        }
        func confirm() throws {
            try output.publisher.publishAll(pending, until: .now + .seconds(120), what: "sluice generate")
            messages += pending.count
            pending = []
        }

        if let source {
            for split in 0..<source.splitCount {
                let reader = try source.openSplit(split, resumingAfter: nil)
                reading: while true {
                    switch try reader.next(maxRows: 8192) {
                    case .data(let batch, _):
                        let keys = try output.routingKey.keys(for: batch)
                        let lines = DAAGeneratorSource.encodeNDJSON(batch).split(separator: 0x0A).map(Array.init)
                        for (line, key) in zip(lines, keys) { try add(line, key: key) }
                    case .idle: continue
                    case .end: break reading
                    }
                }
            }
        } else if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw SluiceError(.io, "cannot read \(file)") }
            for line in data.split(separator: 0x0A) where !line.isEmpty {
                let bytes = Array(line)
                try add(bytes, key: output.routingKey.key(fields: Self.stringFields(bytes)))
            }
        }
        flushBody()
        try confirm()
        print("published \(events) events in \(messages) messages to \(Self.redacted(uri))")
    }

    /// Top-level string and number fields of a JSON line (for routing keys); none if it is not an object.
    static func stringFields(_ line: [UInt8]) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return [:] }
        return object.compactMapValues { value in
            if let text = value as? String { return text }
            if let number = value as? NSNumber { return number.stringValue }
            return nil
        }
    }

    /// The URI without a password (there should be none; AMQP_PASSWORD holds it).
    static func redacted(_ uri: String) -> String {
        guard let at = uri.firstIndex(of: "@"), let scheme = uri.range(of: "://"), let colon = uri[scheme.upperBound..<at].firstIndex(of: ":")
        else { return uri }
        return String(uri[..<colon]) + ":***" + String(uri[at...])
    }
}
