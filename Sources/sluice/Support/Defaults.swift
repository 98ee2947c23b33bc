#if canImport(Glibc)
    import Glibc
#endif

/// Defaults the CLI fills in when neither the file nor a flag says.
enum Defaults {
    /// One partition per core, as the runtime's default.
    static var partitions: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
