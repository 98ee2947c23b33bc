#if canImport(Glibc)
    import CSluiceMalloc
    import Glibc
#endif

/// How `sluice run` asks glibc's allocator to treat large blocks.
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
enum AllocatorPolicy {
    static let mmapThresholdBytes: Int32 = 1 << 20

    /// Fixes the mmap threshold, unless `GLIBC_TUNABLES` already sets one (the operator's
    /// explicit choice wins).
    static func applyForDaemon() {
        #if canImport(Glibc)
            if let tunables = getenv("GLIBC_TUNABLES"), String(cString: tunables).contains("mmap_threshold") { return }
            _ = mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes)
        #endif
    }
}
