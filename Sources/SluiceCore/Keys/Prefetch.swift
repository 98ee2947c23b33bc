// Public so that `@inlinable` look-ups in other modules can inline the prefetch.
public import CSluiceIntrinsics

/// Starts loading the cache line at `address` for a coming write, without waiting.
@inlinable
public func prefetchForWrite(_ address: UnsafeRawPointer) {
    sluice_prefetch_for_write(address)
}

/// Starts loading the cache line at `address` for a coming read, without waiting.
@inlinable
public func prefetchForRead(_ address: UnsafeRawPointer) {
    sluice_prefetch_for_read(address)
}
