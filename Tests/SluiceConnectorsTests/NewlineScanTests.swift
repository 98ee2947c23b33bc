import SluiceTestSupport
import Testing

@testable import SluiceConnectors

/// `NewlineScan.lines` against a byte-by-byte count, around its 64-byte steps.
@Suite struct NewlineScanTests {
    /// What `lines(in:limit:)` must return, found one byte at a time.
    private func naive(_ bytes: [UInt8], limit: Int) -> (byteCount: Int, lines: Int) {
        var lines = 0
        var prefix = 0
        for (i, byte) in bytes.enumerated() where byte == 0x0A && lines < limit {
            lines += 1
            prefix = i + 1
        }
        return (prefix, lines)
    }

    private func scan(_ bytes: [UInt8], limit: Int) -> (byteCount: Int, lines: Int) {
        bytes.withUnsafeBytes { NewlineScan.lines(in: $0, limit: limit) }
    }

    @Test func findsTheLimitThNewlineWhereverItFallsInAStep() {
        // Newlines at every offset of a 64-byte step and its neighbours, the limit at each.
        for length in [0, 1, 63, 64, 65, 127, 128, 129, 200] {
            for position in 0..<length {
                var bytes = [UInt8](repeating: 0x61, count: length)
                bytes[position] = 0x0A
                for limit in 1...2 {
                    let got = scan(bytes, limit: limit)
                    let want = naive(bytes, limit: limit)
                    #expect(got == want, "length \(length), newline at \(position), limit \(limit)")
                }
            }
        }
    }

    @Test func matchesAByteByByteCountOnRandomLines() {
        var random = SplitMix64(seed: 20)
        for round in 0..<400 {
            var bytes: [UInt8] = []
            let total = Int(random.next() % 3000)
            while bytes.count < total {
                // Short and long lines, runs of empty lines, and newlines at step ends.
                let line = Int(random.next() % (round % 3 == 0 ? 4 : 300))
                bytes += [UInt8](repeating: 0x7B, count: line)
                bytes.append(0x0A)
            }
            if random.next() % 2 == 0 { bytes += [0x7B, 0x7D] }  // a last line without '\n'
            let newlines = bytes.filter { $0 == 0x0A }.count
            for limit in [1, 2, 3, 7, newlines / 2 + 1, newlines, newlines + 1, 1 << 20] where limit > 0 {
                let got = scan(bytes, limit: limit)
                let want = naive(bytes, limit: limit)
                #expect(got == want, "round \(round), \(bytes.count) bytes, limit \(limit)")
            }
        }
    }

    @Test func findsNothingWithoutNewlinesOrWithoutRoom() {
        #expect(scan([UInt8](repeating: 0x61, count: 500), limit: 5) == (0, 0))
        #expect(scan([0x0A, 0x0A], limit: 0) == (0, 0))
        #expect(scan([], limit: 3) == (0, 0))
        #expect(scan([UInt8](repeating: 0x0A, count: 130), limit: 130) == (130, 130))
        #expect(scan([UInt8](repeating: 0x0A, count: 130), limit: 129) == (129, 129))
    }
}
