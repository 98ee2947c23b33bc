#ifndef CSLUICE_INTRINSICS_H
#define CSLUICE_INTRINSICS_H

/* Compiler intrinsics Swift cannot spell. Header-only: nothing to link. */

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

#endif
