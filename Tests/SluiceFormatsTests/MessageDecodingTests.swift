import SluiceConnectors
import SluiceCore
import SluiceFormats
import Testing

/// One record per message, as from a broker.
@Suite struct MessageDecodingTests {
    @Test func messagesDecodeWithTheirOwnPositions() {
        var decoder = JSONBatchDecoder(
            schema: DAA.schema, required: DAA.requiredFields, options: DecoderOptions(allowedTypes: DAA.eventTypes))
        let messages: [[UInt8]] = [
            Array(#"{"id":"e-1","type":"metric","agent_id":"a","ts":1764000000000,"value":1.5}"#.utf8),
            [],
            Array("{\n  \"id\": \"e-2\",\n  \"type\": \"metric\",\n  \"agent_id\": \"b\",\n  \"ts\": 1764000000001\n}\n".utf8),
            Array(#"{"id":"e-3","type":"metric","agent_id":"c","ts":1764000000002}{}"#.utf8),
            [0xEF, 0xBB, 0xBF] + Array(#"{"id":"e-4","type":"metric","agent_id":"d","ts":1764000000003}"#.utf8),
            Array("  \t ".utf8),
        ]
        let positions = (0..<messages.count).map { SourcePosition(source: "q", split: 2, offset: Int64(100 + $0)) }
        let (batch, rejections) = decoder.decodeMessages(messages, positions: positions)
        #expect(batch.count == 3)
        #expect((0..<3).map { batch.value(row: $0, column: "id") } == [.string("e-1"), .string("e-2"), .string("e-4")])
        #expect(batch.position == positions.last)
        #expect(
            rejections.map(\.reason) == [
                "empty record", "invalid JSON at byte 62: unexpected character '{' after the JSON value", "empty record",
            ])
        #expect(rejections.map(\.position?.offset) == [101, 103, 105])
        #expect(rejections.allSatisfy { $0.line == nil })
        #expect(rejections[1].raw == messages[3])
    }

    @Test func anEmptyListGivesAnEmptyBatch() {
        var decoder = JSONBatchDecoder(schema: DAA.metricSampleSchema, required: [])
        let (batch, rejections) = decoder.decodeMessages([], positions: [])
        #expect(batch.count == 0 && rejections.isEmpty && batch.position == nil)
        #expect(batch.schema == DAA.metricSampleSchema)
    }
}

/// `DecoderOptions.keepsRecords`: each accepted record's bytes travel with its row.
@Suite struct KeptRecordsTests {
    static func texts(_ batch: Batch) -> [String] {
        var out: [String] = []
        batch.records?.forEach { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    @Test func linesKeepTheirBytesAndRejectedLinesAreNotRows() {
        var options = DecoderOptions()
        options.keepsRecords = true
        var decoder = JSONBatchDecoder(schema: DAA.metricSampleSchema, required: [], options: options)
        let lines = [
            #"{ "agent_id" : "a", "metric":"m","value":1.50e3,"ts":1764000000000 }"#,
            "garbage",
            #"{"ts":1764000000001,"value":2,"metric":"\u006d","agent_id":"ü"}"#,
        ]
        let input = Array((lines[0] + "\r\n" + lines[1] + "\n" + lines[2]).utf8)
        let (batch, rejections) = input.withUnsafeBytes {
            decoder.decodeLines($0, firstLine: 1, source: "f", split: 0, baseOffset: 0)
        }
        #expect(batch.count == 2 && rejections.count == 1)
        #expect(Self.texts(batch) == [lines[0], lines[2]], "without the line terminators")
        var plain = JSONBatchDecoder(schema: DAA.metricSampleSchema, required: [])
        #expect(input.withUnsafeBytes { plain.decodeLines($0, firstLine: 1, source: "f", split: 0, baseOffset: 0) }.0.records == nil)
    }

    @Test func messagesKeepTheirBytesWithLineBreaksAsSpaces() {
        var options = DecoderOptions()
        options.keepsRecords = true
        var decoder = JSONBatchDecoder(schema: DAA.metricSampleSchema, required: [], options: options)
        let messages: [[UInt8]] = [
            Array(#"{"agent_id":"a","metric":"m","value":1,"ts":1764000000000}"#.utf8),
            Array("{}}".utf8),
            Array("{\r\n \"agent_id\": \"b\",\n \"metric\": \"m\", \"value\": 2, \"ts\": 1764000000001\n}".utf8),
        ]
        let positions = (0..<3).map { SourcePosition(source: "q", split: 0, offset: Int64($0)) }
        let (batch, _) = decoder.decodeMessages(messages, positions: positions)
        #expect(batch.count == 2)
        #expect(
            Self.texts(batch) == [
                String(decoding: messages[0], as: UTF8.self),
                "{   \"agent_id\": \"b\",  \"metric\": \"m\", \"value\": 2, \"ts\": 1764000000001 }",
            ])
    }
}
