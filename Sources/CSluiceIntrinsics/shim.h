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

/* The lane (1...12) of the 16-bit `key` among the twelve 16-bit lanes at `lanes`, or 0 when
 * none holds it; at most one may. Two overlapping 8-lane compares with SSE2 instead of a
 * loop of twelve: the loop compiled to a branch per lane, mispredicted on every add of a
 * percentile sketch. */
static inline int sluice_lane_of_key12(const void *lanes, int16_t key) {
#if defined(__SSE2__)
    const __m128i wanted = _mm_set1_epi16(key);
    const unsigned char *p = (const unsigned char *)lanes;
    unsigned low = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)p), wanted));
    unsigned high = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(p + 8)), wanted));
    /* Two mask bits per lane; `high` covers lanes 4...11, so its bits start at lane 4's. */
    unsigned bits = low | high << 8;
    return bits == 0 ? 0 : (__builtin_ctz(bits) >> 1) + 1;
#else
    int16_t value[12];
    memcpy(value, lanes, sizeof value);
    for (int lane = 0; lane < 12; lane++) {
        if (value[lane] == key) return lane + 1;
    }
    return 0;
#endif
}

/* The number of the `count` records at `records` (each `stride` bytes, starting with a
 * 32-bit ordinal, in ascending order) whose ordinal is below `key`: a lower bound. Halving
 * with a conditional move: which half holds the key is a coin toss, and a branch per step
 * was a misprediction per step. In Swift the comparison became a branch whatever its
 * spelling (LLVM turns a select that depends on a load in a loop back into a branch);
 * `__builtin_unpredictable` tells it not to. */
static inline size_t sluice_lower_bound_i32(const void *records, size_t count, size_t stride, int32_t key) {
    const unsigned char *base = (const unsigned char *)records;
    size_t first = 0, length = count;
    while (length > 1) {
        size_t half = length >> 1;
        int32_t ordinal;
        memcpy(&ordinal, base + (first + half - 1) * stride, sizeof ordinal);
        first = __builtin_unpredictable(ordinal < key) ? first + half : first;
        length -= half;
    }
    if (length == 1) {
        int32_t ordinal;
        memcpy(&ordinal, base + first * stride, sizeof ordinal);
        first += ordinal < key;
    }
    return first;
}

/* For m in [1, 2) falling in the j-th 128th of it: 1/c rounded to a double, c the middle
 * of that 128th, and −ln of that double. ln m = ln(m · inv) − ln inv, with m · inv within
 * 1/256 of 1. */
static const double sluice_ln_table[128][2] = {
    {0x1.fe01fe01fe020p-1, 0x1.ff00aa2b10ba0p-9},
    {0x1.fa11caa01fa12p-1, 0x1.7dc475f810a69p-7},
    {0x1.f6310aca0dbb5p-1, 0x1.3cea44346a584p-6},
    {0x1.f25f644230ab5p-1, 0x1.b9fc027af919ap-6},
    {0x1.ee9c7f8458e02p-1, 0x1.1b0d98923d97fp-5},
    {0x1.eae807aba01ebp-1, 0x1.58a5bafc8e4d3p-5},
    {0x1.e741aa59750e4p-1, 0x1.95c830ec8e3f2p-5},
    {0x1.e3a9179dc1a73p-1, 0x1.d276b8adb0b56p-5},
    {0x1.e01e01e01e01ep-1, 0x1.075983598e471p-4},
    {0x1.dca01dca01dcap-1, 0x1.253f62f0a1417p-4},
    {0x1.d92f2231e7f8ap-1, 0x1.42edcbea646eep-4},
    {0x1.d5cac807572b2p-1, 0x1.60658a93750c4p-4},
    {0x1.d272ca3fc5b1ap-1, 0x1.7da766d7b12d0p-4},
    {0x1.cf26e5c44bfc6p-1, 0x1.9ab42462033aep-4},
    {0x1.cbe6d9601cbe7p-1, 0x1.b78c82bb0eda0p-4},
    {0x1.c8b265afb8a42p-1, 0x1.d4313d66cb35dp-4},
    {0x1.c5894d10d4986p-1, 0x1.f0a30c01162a4p-4},
    {0x1.c26b5392ea01cp-1, 0x1.0671512ca596fp-3},
    {0x1.bf583ee868d8bp-1, 0x1.14785846742acp-3},
    {0x1.bc4fd65883e7bp-1, 0x1.2266f190a5acdp-3},
    {0x1.b951e2b18ff23p-1, 0x1.303d718e47fd5p-3},
    {0x1.b65e2e3beee05p-1, 0x1.3dfc2b0ecc62ap-3},
    {0x1.b37484ad806cep-1, 0x1.4ba36f39a55e5p-3},
    {0x1.b094b31d922a4p-1, 0x1.59338d9982085p-3},
    {0x1.adbe87f94905ep-1, 0x1.66acd4272ad51p-3},
    {0x1.aaf1d2f87ebfdp-1, 0x1.740f8f54037a3p-3},
    {0x1.a82e65130e159p-1, 0x1.815c0a14357e9p-3},
    {0x1.a574107688a4ap-1, 0x1.8e928de886d41p-3},
    {0x1.a2c2a87c51ca0p-1, 0x1.9bb362e7dfb85p-3},
    {0x1.a01a01a01a01ap-1, 0x1.a8becfc882f19p-3},
    {0x1.9d79f176b682dp-1, 0x1.b5b519e8fb5a6p-3},
    {0x1.9ae24ea5510dap-1, 0x1.c2968558c18c2p-3},
    {0x1.9852f0d8ec0ffp-1, 0x1.cf6354e09c5ddp-3},
    {0x1.95cbb0be377aep-1, 0x1.dc1bca0abec7bp-3},
    {0x1.934c67f9b2ce6p-1, 0x1.e8c0252aa5a60p-3},
    {0x1.90d4f120190d5p-1, 0x1.f550a564b7b37p-3},
    {0x1.8e6527af1373fp-1, 0x1.00e6c45ad501dp-2},
    {0x1.8bfce8062ff3ap-1, 0x1.071b85fcd590dp-2},
    {0x1.899c0f601899cp-1, 0x1.0d46b579ab74bp-2},
    {0x1.87427bcc092b9p-1, 0x1.136870293a8b0p-2},
    {0x1.84f00c2780614p-1, 0x1.1980d2dd4236fp-2},
    {0x1.82a4a0182a4a0p-1, 0x1.1f8ff9e48a2f3p-2},
    {0x1.8060180601806p-1, 0x1.2596010df763ap-2},
    {0x1.7e225515a4f1dp-1, 0x1.2b9303ab89d25p-2},
    {0x1.7beb3922e017cp-1, 0x1.31871c9544185p-2},
    {0x1.79baa6bb6398bp-1, 0x1.3772662bfd85cp-2},
    {0x1.77908119ac60dp-1, 0x1.3d54fa5c1f710p-2},
    {0x1.756cac201756dp-1, 0x1.432ef2a04e813p-2},
    {0x1.734f0c541fe8dp-1, 0x1.49006804009d0p-2},
    {0x1.713786d9c7c09p-1, 0x1.4ec9732600269p-2},
    {0x1.6f26016f26017p-1, 0x1.548a2c3add263p-2},
    {0x1.6d1a62681c861p-1, 0x1.5a42ab0f4cfe2p-2},
    {0x1.6b1490aa31a3dp-1, 0x1.5ff3070a793d4p-2},
    {0x1.691473a88d0c0p-1, 0x1.659b57303e1f2p-2},
    {0x1.6719f3601671ap-1, 0x1.6b3bb2235943dp-2},
    {0x1.6524f853b4aa3p-1, 0x1.70d42e2789236p-2},
    {0x1.63356b88ac0dep-1, 0x1.7664e1239dbcfp-2},
    {0x1.614b36831ae94p-1, 0x1.7bede0a37afbfp-2},
    {0x1.5f66434292dfcp-1, 0x1.816f41da0d495p-2},
    {0x1.5d867c3ece2a5p-1, 0x1.86e919a330ba1p-2},
    {0x1.5babcc647fa91p-1, 0x1.8c5b7c858b48bp-2},
    {0x1.59d61f123ccaap-1, 0x1.91c67eb45a83ep-2},
    {0x1.5805601580560p-1, 0x1.972a341135159p-2},
    {0x1.56397ba7c52e2p-1, 0x1.9c86b02dc0862p-2},
    {0x1.54725e6bb82fep-1, 0x1.a1dc064d5b995p-2},
    {0x1.52aff56a8054bp-1, 0x1.a72a4966bd9e9p-2},
    {0x1.50f22e111c4c5p-1, 0x1.ac718c258b0e5p-2},
    {0x1.4f38f62dd4c9bp-1, 0x1.b1b1e0ebdfc5ap-2},
    {0x1.4d843bedc2c4cp-1, 0x1.b6eb59d3cf35cp-2},
    {0x1.4bd3edda68fe1p-1, 0x1.bc1e08b0dad0ap-2},
    {0x1.4a27fad76014ap-1, 0x1.c149ff115f027p-2},
    {0x1.4880522014880p-1, 0x1.c66f4e3ff6ff9p-2},
    {0x1.46dce34596066p-1, 0x1.cb8e0744d7acap-2},
    {0x1.453d9e2c776cap-1, 0x1.d0a63ae721e64p-2},
    {0x1.43a2730abee4dp-1, 0x1.d5b7f9ae2c684p-2},
    {0x1.420b5265e5951p-1, 0x1.dac353e2c5955p-2},
    {0x1.40782d10e6566p-1, 0x1.dfc859906d5b5p-2},
    {0x1.3ee8f42a5af07p-1, 0x1.e4c71a8687704p-2},
    {0x1.3d5d991aa75c6p-1, 0x1.e9bfa659861f5p-2},
    {0x1.3bd60d9232955p-1, 0x1.eeb20c640ddf3p-2},
    {0x1.3a524387ac822p-1, 0x1.f39e5bc811e5dp-2},
    {0x1.38d22d366088ep-1, 0x1.f884a36fe9ec1p-2},
    {0x1.3755bd1c945eep-1, 0x1.fd64f20f61571p-2},
    {0x1.35dce5f9f2af8p-1, 0x1.011fab125ff8ap-1},
    {0x1.34679ace01346p-1, 0x1.0389eefce633cp-1},
    {0x1.32f5ced6a1dfap-1, 0x1.05f14bd26459cp-1},
    {0x1.3187758e9ebb6p-1, 0x1.0855c884b450ep-1},
    {0x1.301c82ac40260p-1, 0x1.0ab76bece14d2p-1},
    {0x1.2eb4ea1fed14bp-1, 0x1.0d163ccb9d6b8p-1},
    {0x1.2d50a012d50a0p-1, 0x1.0f7241c9b497dp-1},
    {0x1.2bef98e5a3711p-1, 0x1.11cb81787ccf8p-1},
    {0x1.2a91c92f3c105p-1, 0x1.1422025243d45p-1},
    {0x1.293725bb804a5p-1, 0x1.1675cababa60ep-1},
    {0x1.27dfa38a1ce4dp-1, 0x1.18c6e0ff5cf07p-1},
    {0x1.268b37cd60127p-1, 0x1.1b154b57da29ep-1},
    {0x1.2539d7e9177b2p-1, 0x1.1d610fe677003p-1},
    {0x1.23eb79717605bp-1, 0x1.1faa34b87094cp-1},
    {0x1.22a0122a0122ap-1, 0x1.21f0bfc65beecp-1},
    {0x1.21579804855e6p-1, 0x1.2434b6f483934p-1},
    {0x1.2012012012012p-1, 0x1.26762013430e0p-1},
    {0x1.1ecf43c7fb84cp-1, 0x1.28b500df60783p-1},
    {0x1.1d8f5672e4abdp-1, 0x1.2af15f02640acp-1},
    {0x1.1c522fc1ce059p-1, 0x1.2d2b4012edc9dp-1},
    {0x1.1b17c67f2bae3p-1, 0x1.2f62a99509546p-1},
    {0x1.19e0119e0119ep-1, 0x1.3197a0fa7fe6ap-1},
    {0x1.18ab083902bdbp-1, 0x1.33ca2ba328994p-1},
    {0x1.1778a191bd684p-1, 0x1.35fa4edd36ea0p-1},
    {0x1.1648d50fc3201p-1, 0x1.38280fe58797fp-1},
    {0x1.151b9a3fdd5c9p-1, 0x1.3a5373e7ebdf9p-1},
    {0x1.13f0e8d344724p-1, 0x1.3c7c7fff73206p-1},
    {0x1.12c8b89edc0acp-1, 0x1.3ea33936b2f5bp-1},
    {0x1.11a3019a74826p-1, 0x1.40c7a4880dceap-1},
    {0x1.107fbbe011080p-1, 0x1.42e9c6ddf80bfp-1},
    {0x1.0f5edfab325a2p-1, 0x1.4509a5133bb0ap-1},
    {0x1.0e40655826011p-1, 0x1.472743f33aaadp-1},
    {0x1.0d24456359e3ap-1, 0x1.4942a83a2fc07p-1},
    {0x1.0c0a7868b4171p-1, 0x1.4b5bd6956e273p-1},
    {0x1.0af2f722eecb5p-1, 0x1.4d72d3a39fd01p-1},
    {0x1.09ddba6af8360p-1, 0x1.4f87a3f5026e9p-1},
    {0x1.08cabb37565e2p-1, 0x1.519a4c0ba3446p-1},
    {0x1.07b9f29b8eae2p-1, 0x1.53aad05b99b7cp-1},
    {0x1.06ab59c7912fbp-1, 0x1.55b9354b40bcep-1},
    {0x1.059eea0727586p-1, 0x1.57c57f336f191p-1},
    {0x1.04949cc1664c5p-1, 0x1.59cfb25fae87fp-1},
    {0x1.038c6b78247fcp-1, 0x1.5bd7d30e71c73p-1},
    {0x1.02864fc7729e9p-1, 0x1.5ddde57149923p-1},
    {0x1.0182436517a37p-1, 0x1.5fe1edad18919p-1},
    {0x1.0080402010080p-1, 0x1.61e3efda46467p-1},
};

/* ⌈ln(x) / ln γ⌉ for a normal, finite x > 0, given 1 / ln γ, stored in `*index`; returns
 * 0 instead when ln(x) / ln γ comes within 1e-7 of an integer, where the caller
 * must compute it with `log` (the fast value's error is below 1e-10 there, `log`'s below
 * 2e-11: away from an integer both round up to the same one). Inline arithmetic and a
 * 2 KB table instead of a call to `log` and a division, a third of a percentile's cost:
 * ln x = e · ln 2 + ln c + ln(1 + r), with |r| < 1/256 and five terms of the series. */
static inline int sluice_log_bucket(double x, double inverseLogGamma, int32_t *index) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int exponent = (int)((bits >> 52) & 0x7ff) - 1023;
    unsigned j = (unsigned)((bits >> 45) & 127);
    uint64_t mantissaBits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double m;
    memcpy(&m, &mantissaBits, sizeof m);
    double r = m * sluice_ln_table[j][0] - 1.0;
    double r2 = r * r;
    double series = r - r2 * 0.5 + r2 * r * (1.0 / 3.0) - r2 * r2 * 0.25 + r2 * r2 * r * 0.2;
    double ln = (double)exponent * 0.6931471805599453 + sluice_ln_table[j][1] + series;
    double v = ln * inverseLogGamma;
    int32_t truncated = (int32_t)v;
    double fraction = v - (double)truncated;
    if (fraction < 1e-7 && fraction > -1e-7) return 0;
    if (fraction > 1.0 - 1e-7 || fraction < -1.0 + 1e-7) return 0;
    *index = fraction > 0 ? truncated + 1 : truncated;
    return 1;
}

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
