import SluiceConnectors
import SluiceCore
import Testing

@testable import SluiceFormats

/// A field decoded in fingerprint form (`DecoderOptions.fingerprintedFields`) holds, for
/// every row, the words `DedupeFingerprint.of` gives for the string the plain decoder
/// makes, whichever way the value is spelled; every other column, every null and every
/// rejection is the plain decoder's. And `RecordFieldReader` reads the strings back out of
/// the kept records.
@Suite struct FingerprintedFieldsTests {
    static let lines = [
        #"{"id":"e-1","type":"metric","agent_id":"a","ts":1764000000000,"value":1}"#,
        #"{"type":"metric","id":"a\"quoted\\id","agent_id":"a","ts":1764000000001,"value":2}"#,
        #"{"id":"caf\u00e9-\ud83d\ude00","type":"metric","agent_id":"b","ts":1764000000002,"value":3}"#,
        #"{"id":"café-😀 raw","type":"metric","agent_id":"b","ts":1764000000003,"value":4}"#,
        #"{"id":"","type":"metric","agent_id":"a","ts":1764000000004,"value":5}"#,
        #"{"id":"an-id-much-longer-than-sixteen-bytes-0123456789abcdef0123456789","type":"metric","agent_id":"a","ts":1764000000005,"value":6}"#,
        #"{"id":null,"type":"metric","agent_id":"a","ts":1764000000006,"value":7}"#,
        #"{"type":"metric","agent_id":"a","ts":1764000000007,"value":8}"#,
        #"{"id":["x",{"y":1}],"type":"metric","agent_id":"a","ts":1764000000008,"value":9}"#,
        #"{"id":42,"type":"metric","agent_id":"a","ts":1764000000009,"value":10}"#,
        #"{"id":"bad-ts","type":"metric","agent_id":"a","ts":"soon","value":11}"#,
        #"{"id":"bad-type","type":"nope","agent_id":"a","ts":1764000000011,"value":12}"#,
        #"{ "id" : "spaced" , "type":"metric", "agent_id":"c", "ts":1764000000012, "value":13 }"#,
        #"{"id":"dup","id":"dup2","type":"metric","agent_id":"a","ts":1764000000013,"value":14}"#,
        #"{"id":"e-15","type":"metric","agent_id":"a","ts":1764000000014,"value":15}"#,
    ]

    static let schema = Schema([
        Field("id", .string), Field("type", .string, nullable: false), Field("agent_id", .string, nullable: false),
        Field("ts", .timestamp, nullable: false), Field("value", .double),
    ])

    static func decoder(fingerprinted: Bool, fastPath: Bool) -> JSONBatchDecoder {
        var options = DecoderOptions(allowedTypes: ["metric"])
        options.keepsRecords = true
        if fingerprinted { options.fingerprintedFields = ["id"] }
        var decoder = JSONBatchDecoder(schema: schema, required: [], options: options)
        decoder.usesFastPath = fastPath
        return decoder
    }

    static func rejections(_ result: [Rejection]) -> [String] {
        result.map { "\($0.line ?? -1): \($0.reason) \($0.raw)" }
    }

    /// Expects `fingerprinted` to be `plain` with its id column in fingerprint form.
    static func expectSame(_ plain: Batch, _ fingerprinted: Batch) {
        #expect(fingerprinted.count == plain.count)
        let ids = fingerprinted.columns[0]
        let strings = plain.columns[0]
        #expect(ids.isFingerprinted)
        #expect(ids.codes.isEmpty && ids.dictionary.isEmpty, "no strings made")
        #expect(ids.count == plain.count)
        #expect((0..<plain.count).map(ids.isValid) == (0..<plain.count).map(strings.isValid))
        for row in 0..<plain.count where strings.isValid(row) {
            let words = DedupeFingerprint.of(strings.string(at: row)!)
            #expect(ids.fingerprints[row] == StringFingerprint(words.0, words.1), "row \(row): \(strings.string(at: row)!)")
        }
        #expect(rowTexts(fingerprinted.project(["type", "agent_id", "ts", "value"])) == rowTexts(plain.project(["type", "agent_id", "ts", "value"])))
    }

    @Test(arguments: [true, false])
    func linesGiveThePlainDecodersStringsFingerprints(fastPath: Bool) {
        var plain = Self.decoder(fingerprinted: false, fastPath: fastPath)
        var fingerprinted = Self.decoder(fingerprinted: true, fastPath: fastPath)
        let input = Array(Self.lines.joined(separator: "\n").utf8)
        // Twice: the second batch starts from buffers the first one left.
        for _ in 0..<2 {
            let a = decodeLines(input, with: &plain)
            let b = decodeLines(input, with: &fingerprinted)
            #expect(a.0.count == 11, "the fixture's accepted lines")
            #expect(Self.rejections(b.1) == Self.rejections(a.1))
            Self.expectSame(a.0, b.0)
        }
    }

    @Test(arguments: [true, false])
    func messagesGiveThePlainDecodersStringsFingerprints(fastPath: Bool) {
        var plain = Self.decoder(fingerprinted: false, fastPath: fastPath)
        var fingerprinted = Self.decoder(fingerprinted: true, fastPath: fastPath)
        let messages = Self.lines.map { Array($0.utf8) }
        let positions = messages.indices.map { SourcePosition(source: "q", split: 0, offset: Int64($0)) }
        let a = plain.decodeMessages(messages, positions: positions)
        let b = fingerprinted.decodeMessages(messages, positions: positions)
        #expect(Self.rejections(b.1) == Self.rejections(a.1))
        Self.expectSame(a.0, b.0)
    }

    /// The event-type check needs the type's strings: that field is never fingerprinted.
    @Test func theCheckedEventTypeStaysAString() {
        var options = DecoderOptions(allowedTypes: ["metric"])
        options.fingerprintedFields = ["type", "id"]
        var decoder = JSONBatchDecoder(schema: Self.schema, required: [], options: options)
        let (batch, rejections) = decodeLines(Array(Self.lines.joined(separator: "\n").utf8), with: &decoder)
        #expect(rejections.contains { $0.reason.contains("unknown event type 'nope'") })
        #expect(!batch.columns[1].isFingerprinted && batch.columns[1].string(at: 0) == "metric")
        #expect(batch.columns[0].isFingerprinted)
    }

    @Test func theReaderReadsTheIdsBackFromTheRecords() throws {
        var plain = Self.decoder(fingerprinted: false, fastPath: true)
        var fingerprinted = Self.decoder(fingerprinted: true, fastPath: true)
        let input = Array(Self.lines.joined(separator: "\n").utf8)
        let strings = decodeLines(input, with: &plain).0.columns[0]
        let batch = decodeLines(input, with: &fingerprinted).0
        let records = try #require(batch.records)
        var reader = RecordFieldReader(field: "id")
        let rows: [Int32] = [10, 0, 3, 2, 6]
        #expect(reader.strings(of: records, rows: rows) == rows.map { strings.string(at: Int($0)) })
        #expect(reader.strings(of: records, rows: []) == [])
    }
}
