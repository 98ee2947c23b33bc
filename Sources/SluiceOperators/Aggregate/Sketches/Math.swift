#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C math functions the sketches need, in one place so no other file imports libc.
enum SketchMath {
    @inline(__always) static func ln(_ x: Double) -> Double { log(x) }
    @inline(__always) static func exponential(_ x: Double) -> Double { exp(x) }
}
