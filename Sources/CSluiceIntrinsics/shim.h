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

#endif
