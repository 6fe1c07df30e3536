// swift-tools-version:6.1
// The SIPCore benchmarks, kept out of the root package so that neither it nor CI builds package-benchmark.
// Run with `bench/parse.sh` (or `swift package benchmark` in this directory).
import PackageDescription

let package = Package(
    name: "sipflow-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "sipflow", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The messages and the per-message work shared by the benchmarks and the profiling loop.
        .target(name: "BenchSupport", dependencies: [.product(name: "SIPCore", package: "sipflow")]),
        // A plain loop for valgrind/perf: `ParseLoop invite 100000`.
        .executableTarget(name: "ParseLoop", dependencies: [
            "BenchSupport", .product(name: "SIPCore", package: "sipflow"), .product(name: "SIPConformance", package: "sipflow"),
        ]),
        .executableTarget(
            name: "SIPCoreBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "SIPCore", package: "sipflow"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/SIPCoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
