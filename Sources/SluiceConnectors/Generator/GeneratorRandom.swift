/// SplitMix64: the generators' own seeded random numbers.
///
/// The generators use their own algorithm rather than the standard library's
/// `random(in:using:)`, whose mapping from raw bits to ranges may change between Swift
/// versions: a seed must produce the same events on every toolchain.
struct GeneratorRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high) }

    /// Uniform in `range`.
    mutating func double(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    /// The stateless mix of one value (for per-agent constants that must not depend on
    /// the order in which agents are first seen).
    static func mix(_ value: UInt64) -> UInt64 {
        var random = GeneratorRandom(seed: value)
        return random.next()
    }
}
