import Foundation
import SluiceLZ4
import SluiceTestSupport
import Testing

/// The liblz4 frame wrapper: round trips, streaming, interoperability with the `lz4`
/// command, and refusal of torn or damaged frames.
@Suite struct LZ4FrameTests {
    /// Compressible, line-shaped bytes (like NDJSON events) of about `count` bytes.
    static func lines(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        var out: [UInt8] = []
        while out.count < count {
            out.append(contentsOf: Array("{\"id\":\"e-\(random.next() % 1_000_000)\",\"type\":\"metric\",\"value\":\(random.next() % 1000)}\n".utf8))
        }
        return out
    }

    @Test func oneShotRoundTripsEmptySmallAndLargeInputs() throws {
        for size in [0, 1, 100, 300_000, 3_000_000] {
            let input = Self.lines(size)
            let frame = try LZ4Frame.compress(input)
            #expect(try LZ4Frame.decompress(frame) == input, "size \(size)")
            if size > 100_000 { #expect(frame.count < input.count / 2, "line data compresses: \(frame.count) of \(input.count)") }
        }
    }

    @Test func streamedFrameEqualsItsPiecesAndFramesConcatenate() throws {
        let input = Self.lines(1_000_000)
        let compressor = try LZ4FrameCompressor()
        var out: [UInt8] = []
        try compressor.begin(into: &out)
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + 77_777)
            try compressor.update(Array(input[offset..<end]), into: &out)
            offset = end
        }
        try compressor.end(into: &out)
        let firstFrame = out.count
        // The same context writes a second frame right after the first.
        try compressor.compressFrame(Array("tail\n".utf8), into: &out)
        let decompressor = try LZ4FrameDecompressor()
        var content: [UInt8] = []
        let consumed = try out.withUnsafeBytes { try decompressor.decompressFrame($0, into: &content) }
        #expect(consumed == firstFrame)
        #expect(content == input)
        #expect(try decompressor.decompressAll(out) == input + Array("tail\n".utf8))
    }

    @Test func aTruncatedFrameThrowsAndAppendsNothing() throws {
        let frame = try LZ4Frame.compress(Self.lines(600_000))
        let decompressor = try LZ4FrameDecompressor()
        for cut in [1, 7, frame.count / 3, frame.count - 4, frame.count - 1] {
            var out: [UInt8] = [42]
            #expect(throws: LZ4Error.self) {
                try Array(frame[..<cut]).withUnsafeBytes { try decompressor.decompressFrame($0, into: &out) }
            }
            #expect(out == [42], "cut at \(cut) appended part of a frame")
        }
        // The context is usable again after a failure.
        #expect(try decompressor.decompressAll(frame) == Self.lines(600_000))
    }

    @Test func aDamagedFrameFailsItsChecksum() throws {
        var frame = try LZ4Frame.compress(Self.lines(200_000))
        frame[frame.count / 2] ^= 0x5A
        #expect(throws: LZ4Error.self) { try LZ4Frame.decompress(frame) }
    }

    /// Frames with and without the content checksum decode straight into a caller's
    /// buffer; a buffer too small, or a frame cut short, is an error, never a short read.
    @Test(arguments: [true, false])
    func framesDecodeStraightIntoABuffer(contentChecksum: Bool) throws {
        let input = Self.lines(1_500_000)
        var frame: [UInt8] = []
        try LZ4FrameCompressor(contentChecksum: contentChecksum).compressFrame(input, into: &frame)
        // FLG byte after the 4-byte magic: bit 2 is the content checksum flag.
        #expect((frame[4] & 0x04 != 0) == contentChecksum)
        let decompressor = try LZ4FrameDecompressor()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count + 10, alignment: 16)
        defer { buffer.deallocate() }
        let (consumed, produced) = try frame.withUnsafeBytes { try decompressor.decompressFrame($0, into: buffer) }
        #expect(consumed == frame.count && produced == input.count)
        #expect(Array(UnsafeRawBufferPointer(rebasing: buffer[..<produced])) == input)
        #expect(throws: LZ4Error.self) {
            try frame.withUnsafeBytes {
                try decompressor.decompressFrame($0, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<(input.count - 1)]))
            }
        }
        #expect(throws: LZ4Error.self) {
            try Array(frame[..<(frame.count - 3)]).withUnsafeBytes { try decompressor.decompressFrame($0, into: buffer) }
        }
        // Usable again after failures; the array form reads the same frame.
        var again: [UInt8] = []
        _ = try frame.withUnsafeBytes { try decompressor.decompressFrame($0, into: &again) }
        #expect(again == input)
    }

    /// Our frames are standard LZ4 frames: the `lz4` tool (when installed) reads them.
    @Test func theLZ4CommandReadsOurFrames() throws {
        let tool = ["/usr/bin/lz4", "/bin/lz4"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tool else { return }
        let dir = try TemporaryDirectory()
        let input = Self.lines(500_000)
        let path = dir.path + "/data.lz4"
        try Data(try LZ4Frame.compress(input)).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-d", "-c", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Array(output) == input)
    }
}
