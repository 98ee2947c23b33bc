import Foundation
import Logging
import SluiceOps
import Synchronization
import Testing

@Suite struct LineLogHandlerTests {
    let date = Date(timeIntervalSince1970: 1_765_000_000.25)

    @Test func logfmtQuotesOnlyWhatNeedsIt() {
        let line = LineLogHandler.render(
            .logfmt, level: .info, message: "stopping: draining", fields: ["pipeline": "agent-metrics", "reason": "a \"b\"=c"],
            date: date)
        #expect(line == "ts=2025-12-06T05:46:40.250Z level=info msg=\"stopping: draining\" pipeline=agent-metrics reason=\"a \\\"b\\\"=c\"")
    }

    @Test func jsonIsOneObjectWithTheFields() throws {
        let line = LineLogHandler.render(
            .json, level: .error, message: "the run failed", fields: ["pipeline": "p", "error": "disk full\nreally"], date: date)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object == ["ts": "2025-12-06T05:46:40.250Z", "level": "error", "msg": "the run failed", "pipeline": "p", "error": "disk full\nreally"])
    }

    @Test func textReadsAsSluiceAlwaysPrinted() {
        #expect(
            LineLogHandler.render(.text, level: .notice, message: "resuming from epoch 7", fields: ["pipeline": "p", "epoch": "7"], date: date)
                == "p: resuming from epoch 7")
        #expect(
            LineLogHandler.render(.text, level: .error, message: "cannot start", fields: ["pipeline": "p", "error": "no file"], date: date)
                == "p: error: cannot start: no file")
        #expect(LineLogHandler.render(.text, level: .notice, message: "stopping", fields: [:], date: date) == "sluice: stopping")
    }

    @Test func aLoggerWritesOneLinePerCallWithItsMetadata() {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "t") { label in
            LineLogHandler(label: label, format: .logfmt) { line in lines.withLock { $0.append(line) } }
        }
        logger.info("started", metadata: ["pipeline": "x"])
        logger.debug("not shown at info")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        #expect(written.first?.hasSuffix("level=info msg=started pipeline=x\n") == true, "\(written)")
    }
}
