// swift-tools-version: 6.1
import PackageDescription

/// Flags every Sluice target builds with: strict boundaries so a public signature can
/// never leak a C type or an implicit import.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .library(
            name: "Sluice",
            targets: [
                "SluiceCore", "SluiceExpr", "SluiceFormats", "SluiceOperators", "SluiceRuntime", "SluiceConnectors",
                "SluicePipeline", "SluicePostgres", "SluiceLZ4", "SluiceAMQP",
            ]),
        .executable(name: "sluice", targets: ["sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // sluice run's operations side (SluiceOps): HTTP endpoints, metrics, logs, lifecycle.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        // Header-only: the prefetch intrinsic for keyed-state look-ups.
        .systemLibrary(name: "CSluiceIntrinsics"),
        .systemLibrary(name: "CSluiceMalloc"),
        .target(name: "SluiceCore", dependencies: ["CSluiceIntrinsics"], swiftSettings: strictSettings),
        .target(name: "SluiceExpr", dependencies: ["SluiceCore"], swiftSettings: strictSettings),
        .target(name: "SluiceFormats", dependencies: ["SluiceCore"], swiftSettings: strictSettings),
        .target(
            name: "SluiceOperators", dependencies: ["CSluiceIntrinsics", "SluiceCore", "SluiceExpr", "SluiceFormats"],
            swiftSettings: strictSettings),
        .target(
            name: "SluiceRuntime",
            dependencies: ["SluiceCore", "SluiceExpr", "SluiceOperators", "SluiceFormats"],
            swiftSettings: strictSettings
        ),
        // The thin libpq wrapper: owns every PGconn/PGresult, no C type in its API.
        .target(name: "SluicePostgres", dependencies: ["CLibPQ"], swiftSettings: strictSettings),
        // The thin liblz4 wrapper: owns every LZ4F context, no C type in its API.
        .target(name: "SluiceLZ4", dependencies: ["CLZ4"], swiftSettings: strictSettings),
        // The thin librabbitmq wrapper: owns every amqp_connection_state_t, no C type in its API.
        .target(name: "SluiceAMQP", dependencies: ["CRabbitMQ"], swiftSettings: strictSettings),
        .target(
            name: "SluiceConnectors",
            dependencies: [
                "CSluiceIntrinsics", "SluiceCore", "SluiceFormats", "CSQLite", "SluicePostgres", "SluiceLZ4", "SluiceAMQP",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SluicePipeline",
            dependencies: [
                "SluiceCore", "SluiceExpr", "SluiceOperators", "SluiceRuntime", "SluiceConnectors", "SluiceFormats",
                "SluiceAMQP", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        // The daemon's operations side: health/readiness/metrics/pipelines endpoints over
        // Hummingbird, Prometheus metrics from job status snapshots, structured logs.
        .target(
            name: "SluiceOps",
            dependencies: [
                "SluiceCore", "SluiceOperators", "SluiceRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluicePipeline", "SluiceRuntime", "SluiceConnectors", "SluiceOps", "CSluiceMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SluiceTestSupport",
            dependencies: ["SluiceCore", "SluiceOperators", "SluiceRuntime", "SluiceFormats", "SluiceConnectors"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceCoreTests",
            dependencies: ["SluiceCore", "SluiceTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceExprTests",
            dependencies: ["SluiceExpr", "SluiceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceFormatsTests",
            // SluiceConnectors: the DAA event schema the decoder tests read.
            dependencies: ["SluiceFormats", "SluiceConnectors", "SluiceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceOperatorsTests",
            dependencies: [
                "SluiceOperators", "SluiceConnectors", "SluiceFormats", "SluiceTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceConnectorsTests",
            dependencies: ["SluiceConnectors", "SluiceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceLZ4Tests",
            dependencies: ["SluiceLZ4", "SluiceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluicePostgresTests",
            dependencies: ["SluicePostgres", "SluiceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceAMQPTests",
            dependencies: [
                "SluiceAMQP", "SluiceConnectors", "SluiceTestSupport", "SluiceRuntime", "SluicePipeline", "SluiceCore",
                "SluicePostgres",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceRuntimeTests",
            dependencies: [
                "SluiceRuntime", "SluiceConnectors", "SluiceTestSupport", "SluiceExpr", "SluiceOperators", "SluiceFormats",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceOpsTests",
            dependencies: [
                "SluiceOps", "SluiceRuntime", "SluiceConnectors", "SluicePipeline", "SluicePostgres", "SluiceCore",
                "SluiceAMQP", "SluiceTestSupport", .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluicePipelineTests",
            dependencies: ["SluicePipeline", "SluiceTestSupport", "SluicePostgres"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
    ]
)
