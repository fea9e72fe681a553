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
        // The repository formerly called package-benchmark. Only the MallocInterposer trait: the
        // default RuntimeInterposer trait pulls in swift-runtime-interposer, which this machine's
        // package mirror does not have.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "SluiceBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BenchmarkSupport", package: "Sluice"),
            ],
            path: "Benchmarks/SluiceBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Runs one benchmark body once, for instruction counts under valgrind (README.md).
        // The benchmark plugin takes every executable target whose folder sits in a folder named
        // Benchmarks for a benchmark, and this package's own folder is named Benchmarks: hence Tools/.
        .executableTarget(
            name: "InstructionCounts",
            dependencies: [
                .product(name: "BenchmarkSupport", package: "Sluice"),
            ],
            path: "Tools/InstructionCounts"
        ),
    ]
)
