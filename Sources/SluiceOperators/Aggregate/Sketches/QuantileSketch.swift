import CSluiceIntrinsics
import SluiceCore

/// A DDSketch (Masson, Rim & Lee, VLDB 2019) with 1% relative accuracy: the state of
/// `percentile` for one group.
///
/// Guarantee: for every quantile q, `quantile(q)` is within 1% *relative* error of the
/// exact q-quantile — the element of 0-based rank ⌊q·(n−1)⌋ among the sorted non-NaN
/// values added (plus floating-point rounding of about 1e-12). It holds for positive and
/// negative values alike; zero is kept exactly, ±infinity are kept as such. NaN has no
/// rank and is ignored. Subnormal magnitudes (below 2.2e-308) share the bucket of the
/// smallest normal double, so for them only the absolute error (< 2.3e-308) is bounded.
///
/// Values fall in logarithmic buckets: x > 0 goes to bucket i = ⌈log_γ x⌉ with
/// γ = (1+α)/(1−α), α = 0.01, and a bucket is reported as 2γⁱ/(γ+1), which is within α of
/// every value in (γⁱ⁻¹, γⁱ]. Buckets are never collapsed, so the guarantee covers all
/// quantiles; merging adds bin counts, so it is exact, associative and commutative.
///
/// Storage: a group of a short window usually sees a handful of distinct buckets, so up to
/// `inlineCapacity` bins live in the sketch itself, in arrival order: adding a value
/// compares its ordinal with all twelve lanes without a branch and touches only the
/// sketch's own 64 bytes in the accumulator's array (no allocation, no search whose exit
/// the branch predictor cannot guess, no shifting; a group of a 10 s window sees ~10
/// values). A lane holds a 16-bit key: the bucket index's offset from the group's first
/// one (within ±16,383: magnitudes within a factor of 10^142 of each other) and the sign,
/// so values of both signs share the lanes; zeros are counted apart (metrics such as
/// error counts mix 0 with positive values). So twelve bins fit where eight 32-bit
/// ordinals did. Beyond that, all bins move to a
/// heap array of 16-byte bins in ascending order, with room for `spilledCapacity`; about
/// 50·ln(max/min) bins for values spanning [min, max]. The count of values is the sum of
/// the bins' counts, not stored, which keeps the sketch in one 64-byte stride.
struct QuantileSketch: Sendable, Equatable {
    static let relativeAccuracy = 0.01
    /// (1 + α) / (1 − α) and its natural logarithm, as literals: computed constants are
    /// globals initialised on first use, a `swift_once` call on every `add`. A test checks
    /// they equal the computed values bit for bit.
    static let gamma = 1.02020202020202
    static let logGamma = 0.020000666706669435

    /// One non-empty bucket. `ordinal` orders all buckets by value: 0 is zero, positive
    /// values are `bias + i`, negative values `-(bias + i)` of their magnitude.
    struct Bin: Sendable, Equatable {
        var ordinal: Int32
        var count: Int64
    }

    /// Larger than any |i| a finite double produces (about 37,600), so ordinals of
    /// positive values are positive and of negative values negative.
    static let bias: Int32 = 100_000
    /// The bucket index standing for infinity.
    static let infinityIndex: Int32 = 60_000
    /// Non-zero bins kept inside the sketch before it moves them to `spilled`.
    static let inlineCapacity = 12
    /// The room a sketch's heap bins start with: one allocation for most spilled groups.
    /// W2's spilled groups of 10 s windows mostly hold 24 to 40 bins: with room for 24,
    /// most grew once (an allocation, a copy and a free) and, being larger than what
    /// `clear` keeps, were freed with their window.
    static let spilledCapacity = 48
    /// An unused inline lane: no ordinal has this offset.
    private static let noOffset = Int16.min

    /// While not spilled: the non-zero bins in lanes 0..<inlineUsed, in arrival order, as
    /// keys (`inlineKey`); other lanes hold `noOffset`.
    private var inlineOffsets = InlineArray<12, Int16>(repeating: QuantileSketch.noOffset)
    private var inlineCounts = InlineArray<12, UInt16>(repeating: 0)
    /// Every bin once there are more than fit inline (or a count outgrew 16 bits, or an
    /// ordinal its offset); empty until then (unallocated, or a small buffer kept by `clear`).
    private var spilled: [Bin] = []
    /// The bucket index (|ordinal| − `bias`) of lane 0's bin, which lanes are offsets from.
    private var base: Int32 = 0
    /// While not spilled: the values equal to zero (ordinal 0).
    private var zeroCount: UInt16 = 0
    /// While not spilled: the lanes in use, 0...12; `spilledMarker` once spilled. Asking the
    /// sketch itself, not whether `spilled` is empty, keeps an unspilled sketch from reading
    /// its array's header: another cache line when `clear` kept a buffer there.
    private var inlineUsed: UInt8 = 0
    private static let spilledMarker = UInt8.max
    private var isSpilled: Bool { inlineUsed == QuantileSketch.spilledMarker }

    init() {}

    /// The number of values added.
    var count: Int64 {
        if isSpilled { return spilled.reduce(0) { $0 + $1.count } }
        var total = Int64(zeroCount)
        for lane in 0..<QuantileSketch.inlineCapacity { total &+= Int64(inlineCounts[lane]) }
        return total
    }

    /// Non-empty buckets in ascending ordinal (= value) order.
    var bins: [Bin] {
        if isSpilled { return spilled }
        return sortedInlineBins()
    }

    /// Heap bytes beyond the sketch's own (inline) storage.
    var memoryBytes: Int { spilled.capacity * MemoryLayout<Bin>.stride }

    static func == (a: QuantileSketch, b: QuantileSketch) -> Bool { a.bins == b.bins }

    mutating func add(_ x: Double) {
        guard !x.isNaN else { return }
        let ordinal = QuantileSketch.ordinal(of: x)
        if !isSpilled {
            if addInline(ordinal) { return }
            spillInlineBins()
        }
        let i = lowerBound(ordinal)
        if i < spilled.count && spilled[i].ordinal == ordinal {
            spilled[i].count += 1
        } else {
            spilled.insert(Bin(ordinal: ordinal, count: 1), at: i)
        }
    }

    /// Starts loading the first lines of a spilled sketch's bins: `add` reads their count
    /// and searches them, a second cache miss after the sketch's own that prefetching the
    /// sketch alone does not cover. An unspilled sketch's `add` does not read its array.
    @inline(__always)
    mutating func prefetchSpilledBins() {
        guard isSpilled else { return }
        spilled.withUnsafeBufferPointer { bins in
            guard let base = bins.baseAddress else { return }
            let raw = UnsafeRawPointer(base)
            prefetchForWrite(raw - 32)
            prefetchForWrite(raw + 32)
            prefetchForWrite(raw + 96)
            prefetchForWrite(raw + 160)
        }
    }

    /// Counts `ordinal` in the inline bins; false when it does not fit there.
    @inline(__always)
    private mutating func addInline(_ ordinal: Int32) -> Bool {
        if ordinal == 0 {
            guard zeroCount < UInt16.max else { return false }
            zeroCount &+= 1
            return true
        }
        if inlineUsed == 0 { base = QuantileSketch.index(of: ordinal) }
        guard let offset = QuantileSketch.inlineKey(ordinal, base: base) else { return false }
        // Unused lanes hold `noOffset`, so at most one lane matches: its number + 1, or 0.
        let match = Int(withUnsafeBytes(of: &inlineOffsets) { sluice_lane_of_key12($0.baseAddress!, offset) })
        if match != 0 {
            let lane = match &- 1
            guard inlineCounts[lane] < UInt16.max else { return false }
            inlineCounts[lane] &+= 1
            return true
        }
        let used = Int(inlineUsed)
        guard used < QuantileSketch.inlineCapacity else { return false }
        inlineOffsets[used] = offset
        inlineCounts[used] = 1
        inlineUsed &+= 1
        return true
    }

    /// The inline bins (zeros included) in ascending ordinal order, on the stack: a
    /// result per group must not allocate.
    private func sortedInline() -> (ordinals: InlineArray<13, Int32>, counts: InlineArray<13, UInt16>, count: Int) {
        var ordinals = InlineArray<13, Int32>(repeating: 0)
        var counts = InlineArray<13, UInt16>(repeating: 0)
        var n = 0
        func insert(_ ordinal: Int32, _ count: UInt16) {
            var i = n
            while i > 0 && ordinals[i - 1] > ordinal {
                ordinals[i] = ordinals[i - 1]
                counts[i] = counts[i - 1]
                i -= 1
            }
            ordinals[i] = ordinal
            counts[i] = count
            n += 1
        }
        for lane in 0..<Int(inlineUsed) {
            insert(QuantileSketch.ordinal(ofKey: inlineOffsets[lane], base: base), inlineCounts[lane])
        }
        if zeroCount > 0 { insert(0, zeroCount) }
        return (ordinals, counts, n)
    }

    /// The inline bins in ascending ordinal order.
    private func sortedInlineBins() -> [Bin] {
        var bins: [Bin] = []
        bins.reserveCapacity(Int(inlineUsed) + 1)
        appendSortedInlineBins(to: &bins)
        return bins
    }

    /// Moves the inline bins to `spilled` (empty here, maybe with a buffer kept by
    /// `clear`), with room for at least `spilledCapacity` bins.
    private mutating func spillInlineBins() {
        var bins: [Bin] = []
        swap(&bins, &spilled)
        if bins.capacity < QuantileSketch.spilledCapacity { bins.reserveCapacity(QuantileSketch.spilledCapacity) }
        appendSortedInlineBins(to: &bins)
        spilled = bins
        inlineUsed = QuantileSketch.spilledMarker
    }

    /// Back to the empty state, keeping a heap bins' buffer of up to `spilledCapacity`
    /// bins for a later spill: a recycled slot then spills without allocating
    /// (`QuantileAccumulator`). A larger buffer is released, so what a slot keeps is
    /// bounded whatever groups it held before.
    mutating func clear() {
        // An unspilled sketch's array is already empty, with at most the buffer an earlier
        // `clear` kept: leaving it alone spares a read of its header, a cache miss per slot.
        if isSpilled {
            if spilled.capacity > QuantileSketch.spilledCapacity {
                spilled = []
            } else {
                spilled.removeAll(keepingCapacity: true)
            }
        }
        inlineOffsets = InlineArray(repeating: QuantileSketch.noOffset)
        inlineCounts = InlineArray(repeating: 0)
        inlineUsed = 0
        zeroCount = 0
        base = 0
    }

    private func appendSortedInlineBins(to bins: inout [Bin]) {
        let sorted = sortedInline()
        for i in 0..<sorted.count { bins.append(Bin(ordinal: sorted.ordinals[i], count: Int64(sorted.counts[i]))) }
    }

    /// Adds everything `other` saw.
    mutating func merge(_ other: QuantileSketch) {
        guard !other.isEmpty else { return }
        guard !isEmpty else {
            self = other
            return
        }
        let mine = bins
        let theirs = other.bins
        var merged: [Bin] = []
        merged.reserveCapacity(mine.count + theirs.count)
        var a = 0
        var b = 0
        while a < mine.count || b < theirs.count {
            if b == theirs.count || (a < mine.count && mine[a].ordinal < theirs[b].ordinal) {
                merged.append(mine[a])
                a += 1
            } else if a == mine.count || theirs[b].ordinal < mine[a].ordinal {
                merged.append(theirs[b])
                b += 1
            } else {
                merged.append(Bin(ordinal: mine[a].ordinal, count: mine[a].count + theirs[b].count))
                a += 1
                b += 1
            }
        }
        self = QuantileSketch(ascending: merged)
    }

    /// True when nothing was added.
    var isEmpty: Bool { inlineUsed == 0 && zeroCount == 0 }

    /// The estimate of the element of rank ⌊q·(n−1)⌋, or nil when nothing was added.
    func quantile(_ q: Double) -> Double? {
        guard !isEmpty else { return nil }
        let fraction = Swift.min(Swift.max(q, 0), 1)
        if isSpilled { return QuantileSketch.quantile(fraction, ofAscending: spilled) }
        var total = Int64(zeroCount)
        for lane in 0..<QuantileSketch.inlineCapacity { total &+= Int64(inlineCounts[lane]) }
        return QuantileSketch.value(of: inlineOrdinal(ofRank: QuantileSketch.rank(fraction, of: total), total: total))
    }

    /// ⌊fraction · (total − 1)⌋ for a fraction in 0…1 and total ≥ 1: the product is not
    /// negative, so the conversion's truncation is the floor (`rounded(.down)` is a libm
    /// call on baseline x86-64).
    @inline(__always)
    private static func rank(_ fraction: Double, of total: Int64) -> Int64 { Int64(fraction * Double(total - 1)) }

    /// The ordinal of the inline bin holding the value of 0-based rank `rank` among the
    /// `total` values, without sorting the bins: it walks them from the nearer end, each
    /// step one pass over the lanes for the next larger (or smaller) ordinal. A percentile
    /// near either end (p95, p99) takes a step or two. Sorting the lanes first
    /// (`sortedInline`) cost a dozen moves with unpredictable branches, and its nested
    /// function over captured arrays an exclusivity check at run time, per group read.
    private func inlineOrdinal(ofRank rank: Int64, total: Int64) -> Int32 {
        // From the top it is the same walk over the ordinals negated, for the rank counted
        // from the top.
        let fromTop = rank > total - 1 - rank
        let sign: Int64 = fromTop ? -1 : 1
        let target = fromTop ? total - 1 - rank : rank
        var ordinals = InlineArray<13, Int64>(repeating: 0)
        var counts = InlineArray<13, Int64>(repeating: 0)
        var n = Int(inlineUsed)
        for lane in 0..<n {
            ordinals[lane] = sign * Int64(QuantileSketch.ordinal(ofKey: inlineOffsets[lane], base: base))
            counts[lane] = Int64(inlineCounts[lane])
        }
        if zeroCount > 0 {
            counts[n] = Int64(zeroCount)  // ordinal 0
            n += 1
        }
        // Ordinals are distinct and within ±2³¹, so the Int64 bounds are never one of them.
        var seen: Int64 = 0
        var below = Int64.min
        while true {
            var next = Int64.max
            var count: Int64 = 0
            for i in 0..<n where ordinals[i] > below && ordinals[i] < next {
                next = ordinals[i]
                count = counts[i]
            }
            precondition(count > 0, "the inline bins' counts add up to less than the rank sought")
            seen &+= count
            if seen > target { return Int32(truncatingIfNeeded: sign * next) }
            below = next
        }
    }

    /// `sketch.quantile(q)` without copying the sketch out of its array.
    static func quantile(_ q: Double, of sketch: inout QuantileSketch) -> Double? { sketch.quantile(q) }

    private static func quantile(_ fraction: Double, ofAscending bins: [Bin]) -> Double {
        let total = bins.reduce(0) { $0 + $1.count }
        let rank = QuantileSketch.rank(fraction, of: total)
        var seen: Int64 = 0
        for bin in bins {
            seen += bin.count
            if seen > rank { return QuantileSketch.value(of: bin.ordinal) }
        }
        return QuantileSketch.value(of: bins[bins.count - 1].ordinal)
    }

    /// Rebuilds a sketch from its snapshot bins; nil when they are not strictly ascending
    /// with positive counts.
    init?(bins: [Bin]) {
        guard bins.allSatisfy({ $0.count > 0 && QuantileSketch.isValid($0.ordinal) }),
            zip(bins, bins.dropFirst()).allSatisfy({ $0.ordinal < $1.ordinal })
        else { return nil }
        self.init(ascending: bins)
    }

    /// Bins known to be ascending with positive counts: inline when they fit.
    private init(ascending bins: [Bin]) {
        let lanes = bins.filter { $0.ordinal != 0 }
        let first = lanes.first.map { QuantileSketch.index(of: $0.ordinal) } ?? 0
        let fits =
            lanes.count <= QuantileSketch.inlineCapacity && bins.allSatisfy({ $0.count <= Int64(UInt16.max) })
            && lanes.allSatisfy({ QuantileSketch.inlineKey($0.ordinal, base: first) != nil })
        guard fits else {
            spilled = bins
            inlineUsed = QuantileSketch.spilledMarker
            return
        }
        base = first
        for (lane, bin) in lanes.enumerated() {
            inlineOffsets[lane] = QuantileSketch.inlineKey(bin.ordinal, base: first)!
            inlineCounts[lane] = UInt16(bin.count)
        }
        inlineUsed = UInt8(lanes.count)
        zeroCount = UInt16(bins.first(where: { $0.ordinal == 0 })?.count ?? 0)
    }

    /// The bucket index of a non-zero ordinal.
    @inline(__always)
    private static func index(of ordinal: Int32) -> Int32 { Int32(truncatingIfNeeded: ordinal.magnitude) &- bias }

    /// A non-zero ordinal's lane key: (index − `base`) · 2 + (1 when negative), or nil when
    /// the offset passes ±16,383. Keys lie in −32,766…32,767, never `noOffset`.
    @inline(__always)
    private static func inlineKey(_ ordinal: Int32, base: Int32) -> Int16? {
        // Indices lie within −36,000…60,000, so the difference cannot overflow.
        let offset = index(of: ordinal) &- base
        guard offset >= -16_383, offset <= 16_383 else { return nil }
        return Int16(truncatingIfNeeded: offset &* 2 &+ (ordinal < 0 ? 1 : 0))
    }

    /// The ordinal a lane key stands for.
    @inline(__always)
    private static func ordinal(ofKey key: Int16, base: Int32) -> Int32 {
        let negative = key & 1 != 0
        let magnitude = bias &+ base &+ (Int32(key) &- (negative ? 1 : 0)) / 2
        return negative ? -magnitude : magnitude
    }

    /// Whether `ordinal` is one `ordinal(of:)` can give (bucket indices of finite doubles
    /// lie within ±35,500): a damaged snapshot must not reach `value(of:)` with another.
    static func isValid(_ ordinal: Int32) -> Bool {
        let magnitude = Int64(ordinal.magnitude)
        return ordinal == 0
            || (magnitude >= Int64(bias) - 36_000 && magnitude <= Int64(bias) + 36_000)
            || magnitude == Int64(bias) + Int64(infinityIndex)
    }

    static func ordinal(of x: Double) -> Int32 {
        if x == 0 { return 0 }
        let index: Int32 = x.isInfinite ? infinityIndex : bucketIndex(of: x.magnitude)
        return x > 0 ? bias + index : -(bias + index)
    }

    /// 1 / `logGamma`, for the inline logarithm, which only needs it to within 1e-12.
    private static let inverseLogGamma = 49.99833328888678

    /// `exactBucketIndex(of:)`, computed inline for a normal magnitude clear of a bucket
    /// boundary (all but about one in five million), with `log` otherwise
    /// (`sluice_log_bucket`): the same index either way.
    @inline(__always)
    static func bucketIndex(of magnitude: Double) -> Int32 {
        var index: Int32 = 0
        if magnitude >= .leastNormalMagnitude && sluice_log_bucket(magnitude, inverseLogGamma, &index) != 0 {
            return index
        }
        return exactBucketIndex(of: magnitude)
    }

    /// ⌈ln(magnitude) / ln γ⌉ by `log` and a division, subnormal magnitudes taken as the
    /// smallest normal one: what defines a bucket.
    static func exactBucketIndex(of magnitude: Double) -> Int32 {
        ceiling(SketchMath.ln(Swift.max(magnitude, .leastNormalMagnitude)) / logGamma)
    }

    /// ⌈v⌉ for |v| < 2³¹ without a call: `rounded(.up)` is a libm call on baseline
    /// x86-64 (no SSE4.1 `roundsd`), a measurable part of `add`.
    @inline(__always)
    private static func ceiling(_ v: Double) -> Int32 {
        let truncated = Int32(v)
        return Double(truncated) < v ? truncated + 1 : truncated
    }

    static func value(of ordinal: Int32) -> Double {
        if ordinal == 0 { return 0 }
        let index = Int32(ordinal.magnitude) - bias
        let magnitude: Double
        if index == infinityIndex {
            magnitude = .infinity
        } else {
            let bucketTop = SketchMath.exponential(Double(index) * logGamma)
            magnitude = Swift.min(2 * bucketTop / (gamma + 1), .greatestFiniteMagnitude)
        }
        return ordinal > 0 ? magnitude : -magnitude
    }

    /// The first spilled bin whose ordinal is not below `ordinal` (`spilled.count` when
    /// none), by branch-free halving (`sluice_lower_bound_i32`).
    private func lowerBound(_ ordinal: Int32) -> Int {
        spilled.withUnsafeBufferPointer { bins in
            guard let base = bins.baseAddress else { return 0 }
            return sluice_lower_bound_i32(base, bins.count, MemoryLayout<Bin>.stride, ordinal)
        }
    }
}
