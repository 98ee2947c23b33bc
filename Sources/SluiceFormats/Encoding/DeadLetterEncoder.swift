public import SluiceCore

/// Writes a rejection as one NDJSON dead-letter line.
///
/// `{"pipeline":"p","source":"s","line":12,"position":{"split":0,"offset":4096},"reason":"...","raw":"..."}`
/// - `line` and `position` are `null` when unknown; `position` names the split and offset
///   where the record starts (for messages: the message's own position).
/// - `raw` holds the record as a JSON string when it is valid UTF-8; otherwise the key is
///   `raw_base64` and holds the bytes in standard base64, so nothing is lost or mangled.
public enum DeadLetterEncoder {
    public static func encode(_ rejection: Rejection, pipeline: String, source: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rejection.raw.count + rejection.reason.utf8.count + 128)
        out.append(contentsOf: Array(#"{"pipeline":"#.utf8))
        JSONWriter.appendString(pipeline, to: &out)
        out.append(contentsOf: Array(#","source":"#.utf8))
        JSONWriter.appendString(source, to: &out)
        out.append(contentsOf: Array(#","line":"#.utf8))
        if let line = rejection.line {
            JSONWriter.appendInt(line, to: &out)
        } else {
            out.append(contentsOf: Array("null".utf8))
        }
        out.append(contentsOf: Array(#","position":"#.utf8))
        if let position = rejection.position {
            out.append(contentsOf: Array(#"{"split":"#.utf8))
            JSONWriter.appendInt(Int64(position.split), to: &out)
            out.append(contentsOf: Array(#","offset":"#.utf8))
            JSONWriter.appendInt(position.offset, to: &out)
            out.append(0x7D)
        } else {
            out.append(contentsOf: Array("null".utf8))
        }
        out.append(contentsOf: Array(#","reason":"#.utf8))
        JSONWriter.appendString(rejection.reason, to: &out)
        if UTF8Validation.isValid(rejection.raw) {
            out.append(contentsOf: Array(#","raw":"#.utf8))
            rejection.raw.withUnsafeBufferPointer { JSONWriter.appendString($0, to: &out) }
        } else {
            out.append(contentsOf: Array(#","raw_base64":""#.utf8))
            Base64.encode(rejection.raw, to: &out)
            out.append(0x22)
        }
        out.append(contentsOf: [0x7D, 0x0A])
        return out
    }
}
