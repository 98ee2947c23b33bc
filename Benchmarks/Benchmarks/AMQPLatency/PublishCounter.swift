import Synchronization

/// How many events the publisher has sent, and the total once it is done.
final class PublishCounter: Sendable {
    private let state = Mutex<(sent: Int, finished: Int?)>((0, nil))
    func set(_ sent: Int) { state.withLock { $0.sent = sent } }
    func finish(_ total: Int) { state.withLock { $0 = (total, total) } }
    var finished: Int? { state.withLock { $0.finished } }
}
