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
/// `inlineCapacity` bins live in the sketch itself — adding a value then touches only the
/// sketch's own slot in the accumulator's array (no allocation, no second cache miss).
/// Beyond that, all bins move to a heap array of 16-byte bins; about 50·ln(max/min) bins
/// for values spanning [min, max].
struct QuantileSketch: Sendable, Equatable {
    static let relativeAccuracy = 0.01
    static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    static let logGamma = SketchMath.ln(gamma)

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
    /// Bins kept inside the sketch before it moves them to `spilled`.
    static let inlineCapacity = 8

    /// The number of values added.
    private(set) var count: Int64 = 0
    /// While not spilled: bins 0..<inlineUsed, ascending ordinal.
    private var inlineUsed: Int16 = 0
    private var inlineOrdinals = InlineArray<8, Int32>(repeating: 0)
    private var inlineCounts = InlineArray<8, UInt16>(repeating: 0)
    /// Every bin once there are more than fit inline (or a count outgrew 16 bits);
    /// empty, and unallocated, until then.
    private var spilled: [Bin] = []

    init() {}

    /// Non-empty buckets in ascending ordinal (= value) order.
    var bins: [Bin] {
        if !spilled.isEmpty { return spilled }
        return (0..<Int(inlineUsed)).map { Bin(ordinal: inlineOrdinals[$0], count: Int64(inlineCounts[$0])) }
    }

    /// Heap bytes beyond the sketch's own (inline) storage.
    var memoryBytes: Int { spilled.capacity * MemoryLayout<Bin>.stride }

    static func == (a: QuantileSketch, b: QuantileSketch) -> Bool { a.count == b.count && a.bins == b.bins }

    mutating func add(_ x: Double) {
        guard !x.isNaN else { return }
        let ordinal = QuantileSketch.ordinal(of: x)
        count += 1
        if spilled.isEmpty && addInline(ordinal) { return }
        if spilled.isEmpty { spilled = bins }
        let i = lowerBound(ordinal)
        if i < spilled.count && spilled[i].ordinal == ordinal {
            spilled[i].count += 1
        } else {
            spilled.insert(Bin(ordinal: ordinal, count: 1), at: i)
        }
    }

    /// Starts loading the first lines of a spilled sketch's bins: `add` reads their count
    /// and searches them, a second cache miss after the sketch's own that prefetching the
    /// sketch alone does not cover. (An unspilled sketch's empty array is shared and cached.)
    @inline(__always)
    mutating func prefetchSpilledBins() {
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
    private mutating func addInline(_ ordinal: Int32) -> Bool {
        let used = Int(inlineUsed)
        var i = 0
        while i < used && inlineOrdinals[i] < ordinal { i += 1 }
        if i < used && inlineOrdinals[i] == ordinal {
            guard inlineCounts[i] < UInt16.max else { return false }
            inlineCounts[i] += 1
            return true
        }
        guard used < QuantileSketch.inlineCapacity else { return false }
        var k = used
        while k > i {
            inlineOrdinals[k] = inlineOrdinals[k - 1]
            inlineCounts[k] = inlineCounts[k - 1]
            k -= 1
        }
        inlineOrdinals[i] = ordinal
        inlineCounts[i] = 1
        inlineUsed += 1
        return true
    }

    /// Adds everything `other` saw.
    mutating func merge(_ other: QuantileSketch) {
        guard other.count > 0 else { return }
        guard count > 0 else {
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
        self = QuantileSketch(ascending: merged, count: count + other.count)
    }

    /// The estimate of the element of rank ⌊q·(n−1)⌋, or nil when nothing was added.
    func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let fraction = Swift.min(Swift.max(q, 0), 1)
        let rank = Int64((fraction * Double(count - 1)).rounded(.down))
        var seen: Int64 = 0
        if spilled.isEmpty {
            for i in 0..<Int(inlineUsed) {
                seen += Int64(inlineCounts[i])
                if seen > rank { return QuantileSketch.value(of: inlineOrdinals[i]) }
            }
            return QuantileSketch.value(of: inlineOrdinals[Int(inlineUsed) - 1])
        }
        for bin in spilled {
            seen += bin.count
            if seen > rank { return QuantileSketch.value(of: bin.ordinal) }
        }
        return QuantileSketch.value(of: spilled[spilled.count - 1].ordinal)
    }

    /// Rebuilds a sketch from its snapshot bins; nil when they are not strictly ascending
    /// with positive counts.
    init?(bins: [Bin]) {
        guard bins.allSatisfy({ $0.count > 0 }), zip(bins, bins.dropFirst()).allSatisfy({ $0.ordinal < $1.ordinal })
        else { return nil }
        self.init(ascending: bins, count: bins.reduce(0) { $0 + $1.count })
    }

    /// Bins known to be ascending with positive counts summing to `count`: inline when they fit.
    private init(ascending bins: [Bin], count: Int64) {
        self.count = count
        if bins.count <= QuantileSketch.inlineCapacity && bins.allSatisfy({ $0.count <= Int64(UInt16.max) }) {
            for (i, bin) in bins.enumerated() {
                inlineOrdinals[i] = bin.ordinal
                inlineCounts[i] = UInt16(bin.count)
            }
            inlineUsed = Int16(bins.count)
        } else {
            spilled = bins
        }
    }

    static func ordinal(of x: Double) -> Int32 {
        if x == 0 { return 0 }
        let index: Int32 =
            x.isInfinite
            ? infinityIndex
            : ceiling(SketchMath.ln(Swift.max(x.magnitude, .leastNormalMagnitude)) / logGamma)
        return x > 0 ? bias + index : -(bias + index)
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

    private func lowerBound(_ ordinal: Int32) -> Int {
        var low = 0
        var high = spilled.count
        while low < high {
            let mid = (low + high) >> 1
            if spilled[mid].ordinal < ordinal { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
