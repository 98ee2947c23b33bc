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
/// quantiles; memory is one 16-byte bin per non-empty bucket — about 50·ln(max/min) bins
/// for values spanning [min, max] — and merging adds bin counts, so it is exact,
/// associative and commutative.
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

    /// Non-empty buckets in ascending ordinal (= value) order.
    private(set) var bins: [Bin] = []
    /// The number of values added.
    private(set) var count: Int64 = 0

    init() {}

    var memoryBytes: Int { bins.capacity * MemoryLayout<Bin>.stride }

    mutating func add(_ x: Double) {
        guard !x.isNaN else { return }
        let ordinal = QuantileSketch.ordinal(of: x)
        let i = lowerBound(ordinal)
        if i < bins.count && bins[i].ordinal == ordinal {
            bins[i].count += 1
        } else {
            bins.insert(Bin(ordinal: ordinal, count: 1), at: i)
        }
        count += 1
    }

    /// Adds everything `other` saw.
    mutating func merge(_ other: QuantileSketch) {
        guard !other.bins.isEmpty else { return }
        guard !bins.isEmpty else {
            self = other
            return
        }
        var merged: [Bin] = []
        merged.reserveCapacity(bins.count + other.bins.count)
        var a = 0
        var b = 0
        while a < bins.count || b < other.bins.count {
            if b == other.bins.count || (a < bins.count && bins[a].ordinal < other.bins[b].ordinal) {
                merged.append(bins[a])
                a += 1
            } else if a == bins.count || other.bins[b].ordinal < bins[a].ordinal {
                merged.append(other.bins[b])
                b += 1
            } else {
                merged.append(Bin(ordinal: bins[a].ordinal, count: bins[a].count + other.bins[b].count))
                a += 1
                b += 1
            }
        }
        bins = merged
        count += other.count
    }

    /// The estimate of the element of rank ⌊q·(n−1)⌋, or nil when nothing was added.
    func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let fraction = Swift.min(Swift.max(q, 0), 1)
        let rank = Int64((fraction * Double(count - 1)).rounded(.down))
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
        guard bins.allSatisfy({ $0.count > 0 }), zip(bins, bins.dropFirst()).allSatisfy({ $0.ordinal < $1.ordinal })
        else { return nil }
        self.bins = bins
        count = bins.reduce(0) { $0 + $1.count }
    }

    static func ordinal(of x: Double) -> Int32 {
        if x == 0 { return 0 }
        let index: Int32 =
            x.isInfinite
            ? infinityIndex
            : Int32((SketchMath.ln(Swift.max(x.magnitude, .leastNormalMagnitude)) / logGamma).rounded(.up))
        return x > 0 ? bias + index : -(bias + index)
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
        var high = bins.count
        while low < high {
            let mid = (low + high) >> 1
            if bins[mid].ordinal < ordinal { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
