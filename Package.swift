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
        .library(name: "SIPFlow", targets: ["SIPFlow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Wire format: parse and serialize SIP messages. No I/O.
        .target(name: "SIPCore"),
        // RFC 3261 rule catalogue and the checks that apply it.
        .target(name: "SIPConformance", dependencies: ["SIPCore"]),
        // RFC 3261 §17 transactions and §12 dialogs as values: time is an input, timers are returned as data.
        .target(name: "SIPTransaction", dependencies: ["SIPCore"]),
        // Flow files: the YAML ladder model, loading with line:column errors, per-party programs.
        .target(name: "SIPFlow", dependencies: ["SIPCore", .product(name: "Yams", package: "Yams")]),
        // sendmmsg and recvmmsg, which Swift's Glibc module does not declare (they need _GNU_SOURCE).
        .target(name: "CSIPSocket"),
        // Sockets: UDP (and later TCP/TLS) endpoints, one tap for every message. The only module that does I/O.
        .target(
            name: "SIPTransport",
            dependencies: [
                "SIPCore", "CSIPSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Calls at a rate: scheduler, UAC/UAS runners, statistics, reports.
        .target(
            name: "SIPEngine",
            dependencies: [
                "SIPCore", "SIPConformance", "SIPTransaction", "SIPFlow", "SIPTransport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Health checks as a load balancer does them: probes, their verdicts, up/down state, reports, metrics.
        .target(
            name: "SIPMonitor",
            dependencies: [
                "SIPCore", "SIPConformance", "SIPTransaction", "SIPTransport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The command-line tool: thin subcommands over the libraries.
        .executableTarget(
            name: "sipflow",
            dependencies: [
                "SIPCore", "SIPConformance", "SIPFlow", "SIPEngine", "SIPTransport", "SIPMonitor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // What several test targets share (a seeded random-number generator).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore", "TestSupport"]),
        .testTarget(name: "SIPConformanceTests", dependencies: ["SIPCore", "SIPConformance", "TestSupport"]),
        .testTarget(name: "SIPTransactionTests", dependencies: ["SIPCore", "SIPTransaction", "TestSupport"]),
        .testTarget(name: "SIPFlowTests", dependencies: ["SIPFlow", "SIPCore", "TestSupport"]),
        .testTarget(name: "SIPTransportTests", dependencies: ["SIPTransport", "SIPCore"]),
        .testTarget(name: "SIPEngineTests", dependencies: ["SIPEngine", "SIPFlow", "SIPTransport", "SIPTransaction", "SIPCore", "TestSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(name: "SIPMonitorTests", dependencies: ["SIPMonitor", "SIPCore", "SIPConformance", "SIPTransaction", "SIPTransport"]),
        // Tests against real SIP software (SIPp, Kamailio) and the sipflow binary.
        .testTarget(
            name: "InteropTests",
            dependencies: ["SIPEngine", "sipflow", "SIPMonitor", "SIPCore", "SIPConformance", "SIPTransport"],
            exclude: ["Resources"]
        ),
        .testTarget(name: "sipflowTests", dependencies: ["sipflow", "SIPCore", "SIPConformance", "SIPMonitor"]),
    ],
    swiftLanguageModes: [.v6]
)
