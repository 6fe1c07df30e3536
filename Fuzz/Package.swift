// swift-tools-version:6.0
// A libFuzzer harness for SIPCore: proves the parser and typed header parsers never crash on input.
// Build and run with ./run.sh [SECONDS]; see that script for the compiler flags.
import PackageDescription

let package = Package(
    name: "SIPCoreFuzz",
    dependencies: [
        .package(name: "sipflow", path: ".."),
    ],
    targets: [
        .target(name: "CLibFuzzer"),
        .executableTarget(
            name: "SIPCoreFuzz",
            dependencies: ["CLibFuzzer", .product(name: "SIPCore", package: "sipflow")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
