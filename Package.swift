// swift-tools-version: 6.1
import PackageDescription

// Module boundaries and the direction of dependencies follow DESIGN.md.
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
        ]),
        .target(name: "MessagingEngine", dependencies: [
            "SimKernel",
            .product(name: "DequeModule", package: "swift-collections"),
        ]),
        .target(name: "Workloads", dependencies: ["Stochastic", "SimKernel", "MessagingEngine"]),
        .target(name: "Verification", dependencies: ["MessagingEngine"]),
        .target(name: "Reporting", dependencies: [
            "Stochastic", "Verification",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .target(name: "Scenario", dependencies: [
            "Stochastic", "SimKernel", "MessagingEngine", "Workloads", "Verification", "Reporting",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "BenchmarkSupport", dependencies: ["SimKernel", "MessagingEngine", "Stochastic", "Scenario"]),
        .executableTarget(name: "SluiceCLI", dependencies: [
            "Scenario", "Reporting",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "StochasticTests", dependencies: ["Stochastic"]),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "MessagingEngineTests", dependencies: ["MessagingEngine", "SimKernel"]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "Stochastic", "SimKernel", "MessagingEngine"]),
        .testTarget(name: "VerificationTests", dependencies: ["Verification", "MessagingEngine", "SimKernel"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Verification", "Stochastic", "MessagingEngine", "SimKernel"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Reporting", "Stochastic", "Workloads", "MessagingEngine", "Verification"]),
        .testTarget(name: "BenchmarkSupportTests", dependencies: ["BenchmarkSupport"]),
        .testTarget(name: "SluiceCLITests", dependencies: ["SluiceCLI"]),
    ]
)
