import Foundation

/// The W2 input (`shared/workloads.md`: 5 million DAA events, seed 42) as `w2-duckdb.py`
/// generates it into `Benchmarks/.data/` (git-ignored, 745 MB). Swift benchmarks only read it.
public enum W2Input {
    public static var defaultPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".data/w2-daa-5m-seed42.ndjson").path
    }
}
