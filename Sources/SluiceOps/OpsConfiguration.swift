/// How the operations endpoints behave: where they listen and what readiness demands.
public struct OpsConfiguration: Sendable, Equatable {
    /// Host to bind (loopback unless the operator says otherwise).
    public var host: String
    /// Port to bind; 0 lets the system pick one (the bound port is logged).
    public var port: Int
    /// Liveness fails when a partition queue does not answer a ping within this long.
    public var pingTimeout: Duration
    /// Readiness fails while a pipeline's watermark is further behind the wall clock than
    /// this (nil: no lag check; generated or replayed history would never be "current").
    public var maxLag: Duration?
    /// Readiness fails while a source's consumer lag (messages ready, or bytes unread) is
    /// above this (nil: no consumer lag check).
    public var maxConsumerLag: Int64?

    public init(
        host: String = "127.0.0.1", port: Int = 9464, pingTimeout: Duration = .seconds(2), maxLag: Duration? = nil,
        maxConsumerLag: Int64? = nil
    ) {
        self.host = host
        self.port = port
        self.pingTimeout = pingTimeout
        self.maxLag = maxLag
        self.maxConsumerLag = maxConsumerLag
    }

    /// Parses `HOST:PORT`, `:PORT` (loopback) or `PORT` (loopback).
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        var host = "127.0.0.1"
        var portText = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            let name = text[..<colon]
            if !name.isEmpty { host = String(name) }
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (host, port)
    }
}
