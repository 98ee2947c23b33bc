import Foundation

/// An endpoint's JSON answer (`/pipelines`, `/pipelines/NAME/watermarks`, `…/windows`):
/// one encoding for all of them, keys sorted so answers diff cleanly.
protocol JSONReport: Encodable {}

extension JSONReport {
    func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
