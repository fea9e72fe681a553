// swift-tools-version: 6.1
import PackageDescription

// Module boundaries and the direction of dependencies follow DESIGN.md.

/// The simulation's hot paths mutate class state between protocol calls, where Swift cannot prove
/// exclusive access statically; its run-time checks cost about a third of all instructions in an
/// M/M/1 run (callgrind). The simulation is single-threaded per replication, so they are switched
/// off in the modules that run inside a replication.
let simulationSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
let package = Package(
    name: "Sluice",
    products: [
        .executable(name: "sluice", targets: ["SluiceCLI"]),
        .library(name: "SluiceEngine", targets: ["SimKernel", "MessagingEngine", "Stochastic", "Scenario", "Reporting"]),
        .library(name: "BenchmarkSupport", targets: ["BenchmarkSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        .target(name: "Stochastic", dependencies: ["CGSL"]),
        .target(name: "SimKernel", dependencies: [
            .product(name: "HeapModule", package: "swift-collections"),
        ], swiftSettings: simulationSettings),
        .target(name: "MessagingEngine", dependencies: [
            "SimKernel",
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "HeapModule", package: "swift-collections"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: simulationSettings),
        .target(name: "Workloads", dependencies: ["Stochastic", "SimKernel", "MessagingEngine"], swiftSettings: simulationSettings),
        .target(name: "Verification", dependencies: ["MessagingEngine"], swiftSettings: simulationSettings),
        .target(name: "Reporting", dependencies: [
            "Stochastic", "Verification",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: simulationSettings),
        .target(name: "Scenario", dependencies: [
            "Stochastic", "SimKernel", "MessagingEngine", "Workloads", "Verification", "Reporting",
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: simulationSettings),
        .target(name: "BenchmarkSupport", dependencies: ["SimKernel", "MessagingEngine", "Stochastic", "Scenario"],
                swiftSettings: simulationSettings),
        .executableTarget(name: "SluiceCLI", dependencies: [
            "Scenario", "Reporting", "MessagingEngine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "StochasticTests", dependencies: ["Stochastic"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel", "TestSupport"]),
        .testTarget(name: "MessagingEngineTests", dependencies: ["MessagingEngine", "SimKernel", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "Stochastic", "SimKernel", "MessagingEngine"]),
        .testTarget(name: "VerificationTests", dependencies: ["Verification", "MessagingEngine", "SimKernel"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Verification", "Stochastic", "MessagingEngine", "SimKernel"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Reporting", "Stochastic", "Workloads", "MessagingEngine", "Verification"]),
        .testTarget(name: "BenchmarkSupportTests", dependencies: ["BenchmarkSupport"]),
        .testTarget(name: "SluiceCLITests", dependencies: ["SluiceCLI"]),
    ]
)
