import CSluiceIntrinsics
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Zeroed memory for `FingerprintTable` segments.
///
/// Large segments are mapped straight from the kernel: its pages come zeroed (no memset)
/// and go back to the system the moment a segment is replaced. From `malloc`, the freed
/// smaller copies of growing segments stayed in the heap (glibc raises its mmap threshold
/// after the first large free), which on a 5-million-id run held ~50 MB more than the table.
enum SegmentMemory {
    /// Segments of at least this many words (128 KiB) are mapped.
    static let mappedWords = 16 << 10

    #if os(Linux)
    private static let populate = MAP_POPULATE
    #else
    private static let populate: Int32 = 0
    #endif

    static func allocate(words: Int) -> UnsafeMutablePointer<UInt64> {
        if words >= mappedWords {
            let bytes = words * MemoryLayout<UInt64>.stride
            // Populated at once: every page of a segment is written soon (a segment is only
            // made to be filled), and one call maps them faster than a fault per page did
            // (0.45 s of system time for 5 million ids in a VM).
            let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | populate, -1, 0)
            // Out of address space: what `allocate` does too (and `free` must know which it was).
            guard let raw, raw != MAP_FAILED else { fatalError("cannot map \(bytes) bytes for de-duplication") }
            return raw.bindMemory(to: UInt64.self, capacity: words)
        }
        let memory = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
        memory.initialize(repeating: 0, count: words)
        return memory
    }

    /// Whether `extend` keeps a segment of `words` words where it is rather than copying it.
    static func extendsInPlace(words: Int) -> Bool {
        #if os(Linux)
        words >= mappedWords
        #else
        false
        #endif
    }

    /// `memory` (of `words` words) made `newWords` long: its first `words` words kept, the
    /// rest zero. A mapped segment is remapped (Linux): its pages move rather than being
    /// copied, and only the added ones are new, where a fresh mapping would have the kernel
    /// zero the whole new size and unmap the old.
    static func extend(_ memory: UnsafeMutablePointer<UInt64>, words: Int, to newWords: Int) -> UnsafeMutablePointer<UInt64> {
        precondition(newWords >= words)
        #if os(Linux)
        if words >= mappedWords {
            let size = words * MemoryLayout<UInt64>.stride
            let newSize = newWords * MemoryLayout<UInt64>.stride
            guard let raw = sluice_remap(UnsafeMutableRawPointer(memory), size, newSize), raw != MAP_FAILED else {
                fatalError("cannot remap \(size) bytes to \(newSize) for de-duplication")
            }
            // Written soon, like a new segment: one call maps the added pages faster than a
            // fault per page. Kernels before 5.14 lack it and fault them in instead. (The
            // page the old size ends in is mapped already.)
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let added = (size + page - 1) / page * page
            if newSize > added { _ = madvise(raw + added, newSize - added, populateWrite) }
            return raw.bindMemory(to: UInt64.self, capacity: newWords)
        }
        #endif
        let extended = allocate(words: newWords)
        extended.update(from: memory, count: words)
        free(memory, words: words)
        return extended
    }

    #if os(Linux)
    /// MADV_POPULATE_WRITE (Linux 5.14), which Glibc's headers may not name.
    private static let populateWrite: Int32 = 23
    #endif

    static func free(_ memory: UnsafeMutablePointer<UInt64>, words: Int) {
        if words >= mappedWords {
            munmap(UnsafeMutableRawPointer(memory), words * MemoryLayout<UInt64>.stride)
        } else {
            memory.deallocate()
        }
    }
}
