// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sipflow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sipflow", targets: ["sipflow"]),
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "SIPConformance", targets: ["SIPConformance"]),
        .library(name: "SIPTransaction", targets: ["SIPTransaction"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Wire format: parse and serialize SIP messages. No I/O.
        .target(name: "SIPCore"),
        // RFC 3261 rule catalogue and the checks that apply it.
        .target(name: "SIPConformance", dependencies: ["SIPCore"]),
        // RFC 3261 §17 transactions and §12 dialogs as values: time is an input, timers are returned as data.
        .target(name: "SIPTransaction", dependencies: ["SIPCore"]),
        // The command-line tool: thin subcommands over the libraries.
        .executableTarget(
            name: "sipflow",
            dependencies: [
                "SIPCore", "SIPConformance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore"]),
        .testTarget(name: "SIPTransactionTests", dependencies: ["SIPCore", "SIPTransaction"]),
        .testTarget(name: "SIPConformanceTests", dependencies: ["SIPCore", "SIPConformance"]),
        .testTarget(name: "sipflowTests", dependencies: ["sipflow", "SIPCore", "SIPConformance"]),
    ],
    swiftLanguageModes: [.v6]
)
