// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sipflow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sipflow", targets: ["sipflow"]),
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "SIPConformance", targets: ["SIPConformance"]),
        .library(name: "SIPFlow", targets: ["SIPFlow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Wire format: parse and serialize SIP messages. No I/O.
        .target(name: "SIPCore"),
        // RFC 3261 rule catalogue and the checks that apply it.
        .target(name: "SIPConformance", dependencies: ["SIPCore"]),
        // Flow files: the YAML ladder model, loading with line:column errors, validation, compiled party programs.
        .target(name: "SIPFlow", dependencies: ["SIPCore", .product(name: "Yams", package: "Yams")]),
        // The command-line tool: thin subcommands over the libraries.
        .executableTarget(
            name: "sipflow",
            dependencies: [
                "SIPCore", "SIPConformance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore"]),
        .testTarget(name: "SIPConformanceTests", dependencies: ["SIPCore", "SIPConformance"]),
        .testTarget(name: "SIPFlowTests", dependencies: ["SIPFlow", "SIPCore"]),
        .testTarget(name: "sipflowTests", dependencies: ["sipflow", "SIPCore", "SIPConformance"]),
    ],
    swiftLanguageModes: [.v6]
)
