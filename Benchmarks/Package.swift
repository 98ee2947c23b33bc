// swift-tools-version: 6.1
import Foundation
import PackageDescription

// A separate package so `swift build`/`swift test` of Sluice never build the benchmark
// plugin or the malloc interposer. The parent checkout is a path dependency whose package
// identity is its folder name, whatever the clone is called.
let sluicePackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent

let package = Package(
    name: "SluiceBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        // Already a dependency of `benchmark`: named here for the latency runner's percentiles.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // The workloads, the raw loops and the engine set-ups, shared by the benchmark suite
        // and the one-shot runner.
        .target(
            name: "BenchSupport",
            dependencies: [.product(name: "Sluice", package: sluicePackage)],
            path: "Benchmarks/BenchSupport"
        ),
        // One W1 run outside the benchmark harness, for profilers (perf, valgrind).
        .executableTarget(
            name: "W1Run",
            dependencies: ["BenchSupport"],
            path: "Benchmarks/W1Run"
        ),
        // Publish → row latency through RabbitMQ at a steady rate (issue #16).
        .executableTarget(
            name: "AMQPLatency",
            dependencies: [
                "BenchSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Sluice", package: sluicePackage),
            ],
            path: "Benchmarks/AMQPLatency"
        ),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Sluice", package: sluicePackage),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
