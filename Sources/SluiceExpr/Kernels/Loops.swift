// The tight loops every kernel is built from. They are generic over the element types
// and always inlined, so each call site compiles to a specialized loop over raw buffers;
// the broadcast (scalar) cases get their own loops instead of a branch per row.

/// An array of `count` elements computed by `element(i)`, written in place.
@inline(__always)
func generate<R>(_ count: Int, _ element: (Int) -> R) -> [R] {
    [R](unsafeUninitializedCapacity: count) { buffer, initialized in
        for i in 0..<count { buffer.initializeElement(at: i, to: element(i)) }
        initialized = count
    }
}

@inline(__always)
func map1<A, R>(_ a: Slot<A>, count: Int, _ f: (A) -> R) -> [R] {
    switch a {
    case .array(let x):
        return x.withUnsafeBufferPointer { xp in generate(count) { f(xp[$0]) } }
    case .scalar(let x):
        return [R](repeating: f(x), count: count)
    }
}

@inline(__always)
func map2<A, B, R>(_ a: Slot<A>, _ b: Slot<B>, count: Int, _ f: (A, B) -> R) -> [R] {
    switch (a, b) {
    case (.array(let x), .array(let y)):
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in generate(count) { f(xp[$0], yp[$0]) } }
        }
    case (.array(let x), .scalar(let y)):
        return x.withUnsafeBufferPointer { xp in generate(count) { f(xp[$0], y) } }
    case (.scalar(let x), .array(let y)):
        return y.withUnsafeBufferPointer { yp in generate(count) { f(x, yp[$0]) } }
    case (.scalar(let x), .scalar(let y)):
        return [R](repeating: f(x, y), count: count)
    }
}

@inline(__always)
func map3<A, B, C, R>(_ a: Slot<A>, _ b: Slot<B>, _ c: Slot<C>, count: Int, _ f: (A, B, C) -> R) -> [R] {
    switch c {
    case .scalar(let z): return map2(a, b, count: count) { f($0, $1, z) }
    case .array(let z):
        // A varying third operand (clamp bounds, substr lengths from columns) is rare
        // enough that reading the other two through `element` is fine.
        return z.withUnsafeBufferPointer { zp in generate(count) { f(a.element($0), b.element($0), zp[$0]) } }
    }
}

extension Slot {
    /// Row `i` (slow path: a switch per call).
    func element(_ i: Int) -> Element {
        switch self {
        case .array(let values): values[i]
        case .scalar(let value): value
        }
    }

    func map<T>(_ transform: (Element) -> T) -> Slot<T> {
        switch self {
        case .array(let values): .array(map1(self, count: values.count, transform))
        case .scalar(let value): .scalar(transform(value))
        }
    }
}

/// `map1` for operations that can fail per row: `f` returns the value and whether the row
/// failed. The failure mask is only built (in a second pass) when some row failed.
@inline(__always)
func map1Checked<A, R>(_ a: Slot<A>, count: Int, _ f: (A) -> (R, Bool)) -> ([R], bad: [Bool]?) {
    var failures: UInt8 = 0
    let values = map1(a, count: count) { x in
        let (r, bad) = f(x)
        failures |= bad ? 1 : 0
        return r
    }
    return (values, failures == 0 ? nil : map1(a, count: count) { f($0).1 })
}

/// `map2` for operations that can fail per row (see `map1Checked`).
@inline(__always)
func map2Checked<A, B, R>(_ a: Slot<A>, _ b: Slot<B>, count: Int, _ f: (A, B) -> (R, Bool)) -> ([R], bad: [Bool]?) {
    var failures: UInt8 = 0
    let values = map2(a, b, count: count) { x, y in
        let (r, bad) = f(x, y)
        failures |= bad ? 1 : 0
        return r
    }
    return (values, failures == 0 ? nil : map2(a, b, count: count) { f($0, $1).1 })
}

/// Bool arrays combined as bytes (a `Bool` is one byte holding 0 or 1): `&`, `|` and `^`
/// on bytes vectorize, where `&&` and `||` on `Bool` compile to per-element branches.
@inline(__always)
func bytewise(_ a: [Bool], count: Int, _ op: (UInt8) -> UInt8) -> [Bool] {
    [Bool](unsafeUninitializedCapacity: count) { out, initialized in
        out.withMemoryRebound(to: UInt8.self) { o in
            a.withUnsafeBufferPointer { x in
                x.withMemoryRebound(to: UInt8.self) { x in
                    for i in 0..<count { o.initializeElement(at: i, to: op(x[i]) & 1) }
                }
            }
        }
        initialized = count
    }
}

@inline(__always)
func bytewise(_ a: [Bool], _ b: [Bool], count: Int, _ op: (UInt8, UInt8) -> UInt8) -> [Bool] {
    [Bool](unsafeUninitializedCapacity: count) { out, initialized in
        out.withMemoryRebound(to: UInt8.self) { o in
            a.withUnsafeBufferPointer { x in
                b.withUnsafeBufferPointer { y in
                    x.withMemoryRebound(to: UInt8.self) { x in
                        y.withMemoryRebound(to: UInt8.self) { y in
                            for i in 0..<count { o.initializeElement(at: i, to: op(x[i], y[i]) & 1) }
                        }
                    }
                }
            }
        }
        initialized = count
    }
}

@inline(__always)
func bytewise(
    _ a: [Bool], _ b: [Bool], _ c: [Bool], _ d: [Bool], count: Int, _ op: (UInt8, UInt8, UInt8, UInt8) -> UInt8
) -> [Bool] {
    [Bool](unsafeUninitializedCapacity: count) { out, initialized in
        out.withMemoryRebound(to: UInt8.self) { o in
            a.withUnsafeBufferPointer { w in
                b.withUnsafeBufferPointer { x in
                    c.withUnsafeBufferPointer { y in
                        d.withUnsafeBufferPointer { z in
                            w.withMemoryRebound(to: UInt8.self) { w in
                                x.withMemoryRebound(to: UInt8.self) { x in
                                    y.withMemoryRebound(to: UInt8.self) { y in
                                        z.withMemoryRebound(to: UInt8.self) { z in
                                            for i in 0..<count {
                                                o.initializeElement(at: i, to: op(w[i], x[i], y[i], z[i]) & 1)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        initialized = count
    }
}
