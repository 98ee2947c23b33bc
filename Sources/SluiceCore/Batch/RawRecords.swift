/// The bytes each row of a source batch was decoded from, for sinks that keep events
/// exactly as received (the archive).
///
/// A side buffer, not a column: operators never see it. Only a source asked for it
/// (`DecoderOptions.keepsRecords`, set when a pipeline has an archive sink) fills it, so
/// other pipelines pay nothing. Row `i`'s record is `bytes[spans[i]]`; rows that select
/// or reorder (`gather`, `filter`, `slice`, `partitioned`, `appending`, `concat`) keep
/// the records of the rows they keep and share `bytes`. Anything that changes a row's
/// content (`setColumn`, `project`, a map, an aggregate) builds a batch without them, so
/// a sink that finds `records` on a batch knows each row is still the event received.
///
/// A map keeps them marked not `isExact`: each row then comes from its record's event
/// but is no longer that event, which is all late outputs and dead letters need (they
/// write the event a row came from) and what the archive must not take for the row.
///
/// Laws: `spans.count == batch.count`; a record holds no line terminator.
public struct RawRecords: Sendable {
    /// One record's bytes in `bytes`.
    public struct Span: Sendable, Equatable {
        public var start: UInt32
        public var length: UInt32
        public init(start: UInt32, length: UInt32) {
            self.start = start
            self.length = length
        }
    }

    /// The memory the spans point into (shared by batches cut from one source batch, and
    /// by the chunks a file reader cut from one read), and how much of it they may reach.
    public let block: RecordBlock
    public let blockCount: Int
    public private(set) var spans: [Span]
    /// True while each row is still the event its record holds (no map changed it).
    public private(set) var isExact: Bool

    /// Records in a copy of `bytes`.
    public init(bytes: [UInt8], spans: [Span], isExact: Bool = true) {
        self.init(block: bytes.withUnsafeBytes { RecordBlock(copying: $0) }, count: bytes.count, spans: spans, isExact: isExact)
    }

    /// Records in the first `count` bytes of `block`, which the caller no longer writes there.
    public init(block: RecordBlock, count: Int, spans: [Span], isExact: Bool = true) {
        precondition(count <= block.capacity, "records past their block")
        self.block = block
        blockCount = count
        self.spans = spans
        self.isExact = isExact
    }

    /// The bytes the spans point into, copied (tests).
    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// Calls `body` with the bytes the spans point into.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: block.base, count: blockCount))
    }

    /// Row `row`'s record.
    public func record(_ row: Int) -> [UInt8] {
        let span = spans[row]
        return withBytes { Array($0[Int(span.start)..<Int(span.start + span.length)]) }
    }

    /// These records for rows derived one to one from theirs (a map's output).
    public var derived: RawRecords { RawRecords(block: block, count: blockCount, spans: spans, isExact: false) }

    public var count: Int { spans.count }

    /// The records of rows `indices`, in that order (same buffer).
    public func gather<C: Collection>(_ indices: C) -> RawRecords where C.Element == Int32 {
        var picked: [Span] = []
        picked.reserveCapacity(indices.count)
        spans.withUnsafeBufferPointer { spans in
            for i in indices { picked.append(spans[Int(i)]) }
        }
        return RawRecords(block: block, count: blockCount, spans: picked, isExact: isExact)
    }

    public func slice(_ range: Range<Int>) -> RawRecords {
        RawRecords(block: block, count: blockCount, spans: Array(spans[range]), isExact: isExact)
    }

    /// These records, then `others`' (copied into one buffer unless there is one part).
    public static func concat(_ parts: [RawRecords]) -> RawRecords {
        guard parts.count > 1 else { return parts.first ?? RawRecords(bytes: [], spans: []) }
        let total = parts.reduce(0) { total, part in total + part.spans.reduce(0) { $0 + Int($1.length) } }
        let block = RecordBlock(capacity: total)
        var count = 0
        var spans: [Span] = []
        spans.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts {
            part.forEach { record in
                spans.append(Span(start: UInt32(count), length: UInt32(record.count)))
                if let source = record.baseAddress, record.count > 0 {
                    (block.base + count).copyMemory(from: source, byteCount: record.count)
                }
                count += record.count
            }
        }
        return RawRecords(block: block, count: count, spans: spans, isExact: parts.allSatisfy(\.isExact))
    }

    /// Calls `body` with each record's bytes, in row order.
    public func forEach(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try withBytes { buffer in
            for span in spans {
                try body(UnsafeRawBufferPointer(rebasing: buffer[Int(span.start)..<Int(span.start + span.length)]))
            }
        }
    }

    /// Appends every record followed by `\n` (the archive's line form).
    ///
    /// Records that follow each other in `bytes` separated by exactly one `\n` (a
    /// decoder's lines, untouched) are appended as one run, with one copy, instead of two
    /// appends per record.
    public func appendLines(to out: inout [UInt8]) {
        let total = spans.reduce(0) { $0 + Int($1.length) + 1 }
        out.reserveCapacity(out.count + total)
        withBytes { buffer in
            var runStart = -1
            var runEnd = 0
            for span in spans {
                let start = Int(span.start)
                let end = start + Int(span.length)
                if runStart >= 0 && start == runEnd + 1 && buffer[runEnd] == 0x0A {
                    runEnd = end
                    continue
                }
                if runStart >= 0 {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[runStart..<runEnd]))
                    out.append(0x0A)
                }
                runStart = start
                runEnd = end
            }
            if runStart >= 0 {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[runStart..<runEnd]))
                out.append(0x0A)
            }
        }
    }
}
