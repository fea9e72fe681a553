// swift-tools-version: 6.1
import PackageDescription

// Engine microbenchmarks and a whole-simulator benchmark, run with `swift package benchmark`.
// The benchmark bodies live in Sluice's BenchmarkSupport library, which the test suite also runs
// with tiny parameters. This package has its own .build/ so that release builds of the benchmarks
// never disturb the debug build of the main package.
let package = Package(
    name: "SluiceBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        // Named, so the product reference below does not depend on the folder the repository is in.
        .package(name: "Sluice", path: ".."),
        // Only the malloc interposer trait: the default RuntimeInterposer trait pulls in a package
        // that is not mirrored here.
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "SluiceBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "BenchmarkSupport", package: "Sluice"),
                .product(name: "SluiceEngine", package: "Sluice"),
            ],
            path: "Benchmarks/SluiceBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "package-benchmark"),
            ]
        ),
    ]
)
