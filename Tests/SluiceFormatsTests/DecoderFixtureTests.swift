import SluiceConnectors
import SluiceCore
import SluiceFormats
import Testing

/// One fixture of good lines interleaved with every kind of bad line: each bad line is
/// exactly one rejection with its reason, and every good line around it is decoded.
@Suite struct DecoderFixtureTests {
    static let good = [
        #"{"id":"e-1","type":"metric","agent_id":"agent-000123","ts":1764000000123,"metric":"latency_ms","value":12.5,"unit":"ms"}"#,
        #"{"id":"e-2","type":"pattern.applied","agent_id":"agent-000124","ts":"2026-11-24T10:00:00.123Z","pattern":"systems","success":true,"score":0.82}"#,
        #"{"id":"e-3","type":"agent.created","agent_id":"agent-000125","ts":1764000000000,"cognitive_pattern":"systems","learning_rate":0.001,"capabilities":["optimization","resource_management"]}"#,
        #"{"id":"e-4","type":"knowledge.shared","agent_id":"agent-000126","ts":1764000000001,"domain":"image_processing","target_agents":[],"items":7,"extra":{"nested":[1,2,{"x":null}]}}"#,
    ]

    /// (line bytes, expected reason) — nil marks a good line.
    static var fixture: [([UInt8], String?)] {
        var lines: [([UInt8], String?)] = []
        func good(_ i: Int) { lines.append((Array(Self.good[i].utf8), nil)) }
        func bad(_ text: String, _ reason: String) { lines.append((Array(text.utf8), reason)) }
        let envelope = #""id":"x","type":"metric","agent_id":"agent-000001""#
        good(0)
        bad("", "empty record")
        bad(#"{"id" "e-9"}"#, "invalid JSON at byte 6: expected ':'")
        good(1)
        bad("[1,2,3]", "record is a JSON array, expected an object")
        bad(#""just a string""#, "record is a JSON string, expected an object")
        bad(#"{"id":"x","type":"metric","ts":1764000000000}"#, "missing required field 'agent_id'")
        bad("{\(envelope),\"ts\":1764000000000,\"value\":\"12\"}", "field 'value' is a string, expected double")
        bad("{\(envelope),\"ts\":\"yesterday\"}", "field 'ts' is not a valid timestamp: 'yesterday'")
        good(2)
        bad("{\(envelope),\"ts\":1764000000000,\"value\":NaN}", "invalid JSON at byte 79: NaN is not a JSON number")
        bad(
            "{\(envelope),\"ts\":1764000000000,\"value\":-Infinity}",
            "invalid JSON at byte 79: -Infinity is not a JSON number")
        bad("{\(envelope),\"ts\":1764000000000,\"value\":1e400}", "field 'value' is out of range for double: 1e400")
        bad(
            "{\(envelope),\"ts\":1764000000000,\"items\":9223372036854775808}",
            "field 'items' is out of range for int: 9223372036854775808")
        bad("{\(envelope),\"ts\":1764000000000,\"items\":1.5}", "field 'items' is a decimal number, expected int")
        var invalidUTF8 = Array("{\(envelope),\"ts\":1764000000000,\"unit\":\"m".utf8)
        invalidUTF8 += [0xFF] + Array("s\"}".utf8)
        lines.append((invalidUTF8, "invalid UTF-8 at byte 80"))
        bad(
            "{\(envelope),\"ts\":1764000000000,\"feedback\":\"\(String(repeating: "x", count: 400))\"}",
            "record of 485 bytes exceeds the limit of 400")
        bad(#"{"id":"x","type":"agent.exploded","agent_id":"a","ts":1764000000000}"#, "unknown event type 'agent.exploded'")
        bad(
            "{\(envelope),\"ts\":0}",
            "timestamp 0 (1970-01-01T00:00:00Z) is outside the accepted range 2000-01-01..2100-01-01")
        bad("{\(envelope),\"ts\":1764000000000,\"value\":1,\"value\":2}", "duplicate field 'value'")
        bad(#"{"id":"x","type":"metric","agent_id":null,"ts":1764000000000}"#, "required field 'agent_id' is null")
        bad("{\(envelope),\"ts\":1764000000000} x", "invalid JSON at byte 72: unexpected character 'x' after the JSON value")
        bad("{\(envelope),\"ts\":1764000000000,\"unit\":\"ms}", "invalid JSON at byte 78: unterminated string")
        bad("   ", "empty record")
        lines.append((Array(Self.good[3].utf8) + [0x0D], nil))  // CRLF line ending
        return lines
    }

    @Test func everyBadLineIsOneRejectionAndGoodLinesAreDecoded() throws {
        let lines = Self.fixture
        var bytes: [UInt8] = []
        for (line, _) in lines { bytes += line + [0x0A] }
        var decoder = JSONBatchDecoder(
            schema: DAA.schema, required: DAA.requiredFields,
            options: DecoderOptions(maxRecordBytes: 400, allowedTypes: DAA.eventTypes))
        let (batch, rejections) = decodeLines(bytes, with: &decoder, firstLine: 1, baseOffset: 1000)

        let expected = lines.enumerated().compactMap { i, entry in entry.1.map { (Int64(i + 1), $0) } }
        #expect(rejections.map(\.reason) == expected.map(\.1))
        #expect(rejections.map(\.line) == expected.map(\.0))
        #expect(batch.count == lines.count - expected.count)
        #expect(batch.position == SourcePosition(source: "test", split: 0, offset: 1000 + Int64(bytes.count)))

        // Raw bytes and positions point at each bad line (without its terminator).
        var offset: Int64 = 1000
        var rejectionIndex = 0
        for (line, reason) in lines {
            if reason != nil {
                let rejection = rejections[rejectionIndex]
                #expect(rejection.position?.offset == offset)
                let kept = reason!.hasPrefix("record of") ? Array(line.prefix(400)) : line
                #expect(rejection.raw == kept)
                rejectionIndex += 1
            }
            offset += Int64(line.count + 1)
        }

        let ids = (0..<batch.count).map { batch.value(row: $0, column: "id") }
        #expect(ids == [.string("e-1"), .string("e-2"), .string("e-3"), .string("e-4")])
        #expect(batch.value(row: 0, column: "value") == .double(12.5))
        #expect(batch.value(row: 0, column: "unit") == .string("ms"))
        #expect(batch.value(row: 0, column: "ts") == .timestamp(1_764_000_000_123))
        #expect(batch.value(row: 1, column: "ts") == .timestamp(1_795_514_400_123))
        #expect(batch.value(row: 1, column: "success") == .bool(true))
        #expect(batch.value(row: 1, column: "value") == .null)
        #expect(
            batch.value(row: 2, column: "capabilities") == .string(#"["optimization","resource_management"]"#))
        #expect(batch.value(row: 2, column: "learning_rate") == .double(0.001))
        #expect(batch.value(row: 3, column: "items") == .int(7))
        #expect(batch.value(row: 3, column: "target_agents") == .string("[]"))
        #expect(batch.value(row: 3, column: "domain") == .string("image_processing"))
    }

    @Test func aFinalLineWithoutNewlineIsDecodedAndATrailingNewlineIsNotAnEmptyRecord() {
        let (withNewline, r1) = decodeLines(metricLine(1) + "\n" + metricLine(2) + "\n")
        #expect(withNewline.count == 2 && r1.isEmpty)
        let (withoutNewline, r2) = decodeLines(metricLine(1) + "\n" + metricLine(2))
        #expect(withoutNewline.count == 2 && r2.isEmpty)
        let (doubled, r3) = decodeLines(metricLine(1) + "\n\n")
        #expect(doubled.count == 1 && r3.map(\.reason) == ["empty record"] && r3.map(\.line) == [2])
        let (nothing, r4) = decodeLines("")
        #expect(nothing.count == 0 && r4.isEmpty)
    }

    @Test func aByteOrderMarkIsSkippedOnlyAtTheStartOfTheInput() {
        let line = Array(metricLine(1).utf8)
        var decoder = JSONBatchDecoder(schema: DAA.metricSampleSchema, required: [])
        let (first, r1) = decodeLines([0xEF, 0xBB, 0xBF] + line + [0x0A], with: &decoder)
        #expect(first.count == 1 && r1.isEmpty)
        let (later, r2) = decodeLines([0xEF, 0xBB, 0xBF] + line, with: &decoder, firstLine: 2, baseOffset: 100)
        #expect(later.count == 0)
        #expect(r2.map(\.reason) == ["invalid JSON at byte 0: unexpected byte 0xEF"])
    }
}
