#ifndef CSLUICE_INTRINSICS_H
#define CSLUICE_INTRINSICS_H

/* Compiler intrinsics and libc calls Swift cannot spell. Header-only: nothing to link. */

/* Starts loading the cache line of `address` for a later write, without waiting for it.
 * Unlike a plain load, a prefetch retires at once, so a cache miss does not stall the
 * core while the look-ups before it complete. */
static inline void sluice_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

/* Starts loading the cache line of `address` for a coming read, without waiting for it. */
static inline void sluice_prefetch_for_read(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#if defined(__linux__)
#include <stddef.h>
/* Declared here because glibc declares it only under _GNU_SOURCE, and it is variadic, which
 * Swift cannot call. */
extern void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...);

/* Resizes a private anonymous mapping, moving it if it cannot grow where it is: the pages it
 * has keep their contents (moved, not copied) and added pages read as zero. MAP_FAILED on
 * failure. */
static inline void *sluice_remap(void *address, size_t old_size, size_t new_size) {
    return mremap(address, old_size, new_size, 1 /* MREMAP_MAYMOVE */);
}
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>

/* The '\n' bytes among the 64 at `p`, one bit each (bit k for p[k]). */
static inline uint64_t sluice_newline_bits64(const unsigned char *p) {
    const __m128i newline = _mm_set1_epi8('\n');
    uint64_t a = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), newline));
    uint64_t b = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), newline));
    uint64_t c = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), newline));
    uint64_t d = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), newline));
    return a | b << 16 | c << 32 | d << 48;
}
#endif

/* Looks for up to `limit` '\n' bytes from the start of `bytes` (`count` long); stores how
 * many it found in `*found` and returns the length of the prefix ending with the last of
 * them (0 when none). 64 bytes per step with SSE2 (every x86-64 has it), counting the
 * newlines of each step at once: a `memchr` per line paid its call and set-up for every
 * ~150-byte line (3.5 % of a W2 job). The last bytes, and other CPUs, use `memchr`. */
static inline size_t sluice_scan_lines(const unsigned char *bytes, size_t count, size_t limit, size_t *found) {
    size_t lines = 0, i = 0, prefix = 0;
#if defined(__SSE2__)
    while (lines < limit && i + 64 <= count) {
        uint64_t bits = sluice_newline_bits64(bytes + i);
        size_t n = (size_t)__builtin_popcountll(bits);
        if (lines + n < limit) {
            if (bits != 0) prefix = i + 64 - (size_t)__builtin_clzll(bits);
            lines += n;
            i += 64;
            continue;
        }
        /* The limit-th newline is in this block: drop the ones after it. */
        while (lines < limit) {
            prefix = i + (size_t)__builtin_ctzll(bits) + 1;
            bits &= bits - 1;
            lines += 1;
        }
        *found = lines;
        return prefix;
    }
#endif
    while (lines < limit && i < count) {
        const unsigned char *newline = (const unsigned char *)memchr(bytes + i, '\n', count - i);
        if (newline == NULL) break;
        i = (size_t)(newline - bytes) + 1;
        prefix = i;
        lines += 1;
    }
    *found = lines;
    return prefix;
}

#endif
