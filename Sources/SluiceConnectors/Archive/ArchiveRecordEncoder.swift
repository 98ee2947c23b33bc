public import SluiceCore
import SluiceFormats

/// The bytes the archive keeps for each row: one NDJSON line per event.
///
/// Sinks receive decoded batches, not the source's bytes, so the archive writes each
/// event in its canonical wire form: for the DAA schema the form `daa-events.md` defines
/// and the generator emits (fields in schema order, nulls left out, `capabilities` /
/// `target_agents` as JSON arrays), otherwise `NDJSONEncoder`'s. Input already in that
/// form (everything Sluice's generator and producers write) is archived byte for byte;
/// other spellings of the same event (spaces, another key order, `1.50`) are normalized.
public enum ArchiveRecordEncoder {
    public static func encode(_ batch: Batch, into out: inout [UInt8]) {
        if batch.schema == DAA.schema {
            out += DAAGeneratorSource.encodeNDJSON(batch)
        } else {
            NDJSONEncoder.encode(batch, into: &out)
        }
    }
}
