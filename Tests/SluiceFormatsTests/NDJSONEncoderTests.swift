import SluiceCore
import SluiceFormats
import Testing

/// NDJSON output reads back through the decoder as the same rows.
@Suite struct NDJSONEncoderTests {
    static let schema = Schema([
        Field("s", .string), Field("i", .int64), Field("d", .double), Field("b", .bool), Field("t", .timestamp),
    ])

    @Test func writesOneObjectPerRowInSchemaOrderOmittingNulls() {
        var builder = BatchBuilder(schema: Self.schema)
        builder.append(values: [.string("a\"b\n"), .int(-3), .double(760.53), .bool(true), .timestamp(1_764_000_000_000)])
        builder.append(values: [.null, .int(0), .null, .bool(false), .null])
        builder.append(values: [.string("x"), .null, .double(.nan), .null, .timestamp(-1)])
        var out: [UInt8] = []
        NDJSONEncoder.encode(builder.finish(), into: &out)
        #expect(
            String(decoding: out, as: UTF8.self)
                == #"{"s":"a\"b\n","i":-3,"d":760.53,"b":true,"t":1764000000000}"# + "\n" + #"{"i":0,"b":false}"# + "\n"
                + #"{"s":"x","t":-1}"# + "\n")
    }

    /// A row gathered or sliced out of a large batch shares its dictionary: each row must
    /// still read its own string (the encoder escapes only the entries rows use).
    @Test func rowsOfABatchWithALargeSharedDictionaryEncodeAlone() {
        let strings = (0..<10_000).map { "id-\($0)\"" }
        let column = Column(codes: (0..<10_000).map { UInt32($0) }.reversed(), dictionary: strings)
        let batch = Batch(schema: Schema([Field("s", .string)]), columns: [column])
        var whole: [UInt8] = []
        NDJSONEncoder.encode(batch, into: &whole)
        var oneByOne: [UInt8] = []
        for row in [0, 1, 9_999, 5_000, 0] { NDJSONEncoder.encode(batch.slice(row..<(row + 1)), into: &oneByOne) }
        NDJSONEncoder.encode(batch.gather([3, 3, 7]), into: &oneByOne)
        let lines = String(decoding: whole, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 10_000)
        #expect(lines[0] == #"{"s":"id-9999\""}"#)
        let expected = [0, 1, 9_999, 5_000, 0, 3, 3, 7].map { lines[$0] + "\n" }.joined()
        #expect(String(decoding: oneByOne, as: UTF8.self) == expected)
    }

    @Test func randomBatchesRoundTripThroughTheDecoder() {
        var rng = SplitMix64(seed: 5)
        let alphabet = Array("abc é中😀\"\\/\n\t\u{1}{}[],:")
        var builder = BatchBuilder(schema: Self.schema)
        for _ in 0..<3000 {
            func maybe(_ value: Value) -> Value { Int.random(in: 0..<6, using: &rng) == 0 ? .null : value }
            let text = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let double = Double(bitPattern: rng.next())
            builder.append(values: [
                maybe(.string(text)), maybe(.int(Int64(bitPattern: rng.next()))),
                maybe(.double(double.isFinite ? double : 0.5)), maybe(.bool(Bool.random(using: &rng))),
                maybe(.timestamp(Int64.random(in: 946_684_800_000...4_102_444_800_000, using: &rng))),
            ])
        }
        let original = builder.finish()
        var out: [UInt8] = []
        NDJSONEncoder.encode(original, into: &out)
        var decoder = JSONBatchDecoder(schema: Self.schema, required: [], options: DecoderOptions(timeField: "t"))
        let (decoded, rejections) = decodeLines(out, with: &decoder)
        #expect(rejections.isEmpty)
        #expect(decoded.count == original.count)
        for row in 0..<original.count {
            for column in 0..<Self.schema.count {
                let a = original.value(row: row, column: column)
                let b = decoded.value(row: row, column: column)
                if case .double(let x) = a, case .double(let y) = b {
                    #expect(x.bitPattern == y.bitPattern)
                } else {
                    #expect(a == b, "row \(row) column \(column)")
                }
            }
        }
    }
}
