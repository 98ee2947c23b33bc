#if canImport(Glibc)
    import CSluiceMalloc
    import Glibc
#endif

/// How `sluice run` and the one-shot batch commands ask glibc's allocator to treat large
/// blocks.
///
/// Every epoch a long run allocates and frees several buffers the size of its operator
/// state (each operator's snapshot, the checkpoint's codec bytes). glibc serves blocks
/// above its mmap threshold with `mmap` and returns them at `free`, but raises the
/// threshold to the size of each such block freed (up to 32 MiB), after which the next
/// state-sized buffers come from the heap arenas, where freed space stays resident and
/// fragments. Measured on agent-metrics at 20,000 events/s with a 1-minute horizon
/// (Benchmarks/README.md, "Memory of a 10-minute run"): 563 MiB resident with the default,
/// 299 MiB with a fixed 1 MiB threshold, the same throughput. A fixed threshold stops the
/// raising; blocks of a MiB or more cost a `mmap`/`munmap` pair, few per epoch.
///
/// A bounded job (`sluice batch`, `sluice replay`, `sluice rebuild`) wants the opposite: it
/// exits at its end, so memory it freed need not go back to the system meanwhile. Its file
/// reader copies every chunk of input (a few MiB) into a fresh array that its batch keeps
/// for dead letters, and the decoders allocate column buffers of that order per batch. With
/// glibc's defaults those come from `mmap` or from heap top that `free` trimmed, and every
/// page is faulted in and zeroed again: 15–20 % of a W2 job's CPU was system time, half of
/// it page faults. Blocks up to 32 MiB (glibc's largest mmap threshold on 64-bit) from the
/// heap and no trimming cut W2 de-duplicating jobs' CPU by 3–5 % in 8 paired rounds
/// (Benchmarks/README.md, session 20); peak resident memory rose 2–22 MB. Without trimming
/// a job holds its peak heap until it exits, which for a bounded job is its peak anyway.
enum AllocatorPolicy {
    static let mmapThresholdBytes: Int32 = 1 << 20
    static let batchMmapThresholdBytes: Int32 = 32 << 20
    /// -1 turns trimming off (mallopt(3)): a bounded job's heap top stays until it exits.
    static let batchTrimThresholdBytes: Int32 = -1

    /// Fixes the mmap threshold, unless `GLIBC_TUNABLES` already sets one (the operator's
    /// explicit choice wins).
    static func applyForDaemon() {
        #if canImport(Glibc)
            guard !tunablesSet(["mmap_threshold"]) else { return }
            _ = mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes)
        #endif
    }

    /// Keeps freed blocks for reuse instead of returning them (see the type's notes),
    /// unless `GLIBC_TUNABLES` sets either threshold.
    static func applyForBoundedJob() {
        #if canImport(Glibc)
            guard !tunablesSet(["mmap_threshold", "trim_threshold"]) else { return }
            _ = mallopt(M_TRIM_THRESHOLD, batchTrimThresholdBytes)
            _ = mallopt(M_MMAP_THRESHOLD, batchMmapThresholdBytes)
        #endif
    }

    /// Whether `GLIBC_TUNABLES` names any of `names`.
    private static func tunablesSet(_ names: [String]) -> Bool {
        guard let tunables = getenv("GLIBC_TUNABLES") else { return false }
        let text = String(cString: tunables)
        return names.contains { text.contains($0) }
    }
}
