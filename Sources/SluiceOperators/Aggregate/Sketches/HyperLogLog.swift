/// A HyperLogLog sketch of the distinct 64-bit hashes of one group: the state of
/// `approx_count_distinct`.
///
/// - Small groups stay *sparse*: up to `sparseLimit` (256) distinct hashes are kept
///   exactly in a sorted array (at most 2 KiB) and the estimate is their exact count.
/// - Beyond that the sketch turns *dense*: 2¹² = 4096 one-byte registers (precision 12),
///   and the estimate is Ertl's improved raw estimator ("New cardinality estimation
///   algorithms for HyperLogLog sketches", 2017), which needs no bias tables and is
///   unbiased over the whole range. Relative standard error 1.04/√4096 ≈ 1.6%.
///
/// The state is canonical: it is sparse exactly when the union of everything added holds
/// at most `sparseLimit` hashes, and the dense registers are a function of that union.
/// So `merge` is associative and commutative and equals adding all values to one sketch.
struct HyperLogLog: Sendable, Equatable {
    static let precision = 12
    static let registerCount = 1 << precision
    static let sparseLimit = 256
    /// The documented relative standard error of dense estimates: 1.04 / √m.
    static let relativeStandardError = 1.04 / 64.0

    /// Sorted distinct hashes while sparse; empty once dense.
    private(set) var sparse: [UInt64] = []
    /// `registerCount` registers once dense; empty while sparse.
    private(set) var registers: [UInt8] = []

    init() {}

    var isDense: Bool { !registers.isEmpty }

    var memoryBytes: Int { sparse.capacity * 8 + registers.capacity }

    mutating func insert(_ hash: UInt64) {
        if isDense {
            HyperLogLog.update(&registers, hash)
            return
        }
        let i = HyperLogLog.lowerBound(sparse, hash)
        if i < sparse.count && sparse[i] == hash { return }
        sparse.insert(hash, at: i)
        if sparse.count > HyperLogLog.sparseLimit { densify() }
    }

    /// Adds everything `other` saw (the sketch of the union).
    mutating func merge(_ other: HyperLogLog) {
        if other.isDense {
            if !isDense { densify() }
            for i in 0..<HyperLogLog.registerCount where other.registers[i] > registers[i] {
                registers[i] = other.registers[i]
            }
        } else {
            for hash in other.sparse { insert(hash) }
        }
    }

    /// The estimated number of distinct hashes (exact while sparse).
    var estimate: Int64 {
        guard isDense else { return Int64(sparse.count) }
        let m = Double(HyperLogLog.registerCount)
        let q = 64 - HyperLogLog.precision
        var histogram = [Int](repeating: 0, count: q + 2)
        for register in registers { histogram[Int(register)] += 1 }
        var z = m * HyperLogLog.tau(1 - Double(histogram[q + 1]) / m)
        for k in stride(from: q, through: 1, by: -1) { z = 0.5 * (z + Double(histogram[k])) }
        z += m * HyperLogLog.sigma(Double(histogram[0]) / m)
        let alphaInfinity = 0.5 / SketchMath.ln(2)
        return Int64((alphaInfinity * m * m / z).rounded())
    }

    /// Rebuilds a sketch from its snapshot parts; nil when they are inconsistent.
    init?(sparse: [UInt64], registers: [UInt8]) {
        if registers.isEmpty {
            guard sparse.count <= HyperLogLog.sparseLimit, zip(sparse, sparse.dropFirst()).allSatisfy({ $0 < $1 })
            else { return nil }
        } else {
            guard sparse.isEmpty, registers.count == HyperLogLog.registerCount,
                registers.allSatisfy({ Int($0) <= 65 - HyperLogLog.precision })
            else { return nil }
        }
        self.sparse = sparse
        self.registers = registers
    }

    private mutating func densify() {
        var dense = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
        for hash in sparse { HyperLogLog.update(&dense, hash) }
        registers = dense
        sparse = []
    }

    /// The top `precision` bits pick the register; the register keeps the largest
    /// position of the first 1-bit in the remaining bits (a guard bit caps it at 53).
    @inline(__always)
    private static func update(_ registers: inout [UInt8], _ hash: UInt64) {
        let index = Int(truncatingIfNeeded: hash >> UInt64(64 - precision))
        let rest = (hash << UInt64(precision)) | (1 << UInt64(precision - 1))
        let rank = UInt8(truncatingIfNeeded: rest.leadingZeroBitCount + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    private static func lowerBound(_ sorted: [UInt64], _ value: UInt64) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) >> 1
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // Ertl's σ and τ series (Algorithm 6 of the paper); both converge in a few dozen steps.
    private static func sigma(_ x0: Double) -> Double {
        if x0 == 1 { return .infinity }
        var x = x0
        var y = 1.0
        var z = x
        while true {
            x *= x
            let previous = z
            z += x * y
            y += y
            if z == previous { return z }
        }
    }

    private static func tau(_ x0: Double) -> Double {
        if x0 == 0 || x0 == 1 { return 0 }
        var x = x0
        var y = 1.0
        var z = 1 - x
        while true {
            x = x.squareRoot()
            let previous = z
            y *= 0.5
            z -= (1 - x) * (1 - x) * y
            if z == previous { return z / 3 }
        }
    }
}
