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
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
        // DNS queries through the system resolver (res_nquery), for SRV records (RFC 3263), which Swift's Glibc
        // module does not declare.
        .target(name: "CSIPResolver", linkerSettings: [.linkedLibrary("resolv", .when(platforms: [.linux]))]),
        // libpcap (Debian: libpcap-dev), the system library for capture files and live capture.
        .systemLibrary(name: "CPcap", providers: [.apt(["libpcap-dev"])]),
        // gzip-compressed capture files read as a stdio stream (zlib behind fopencookie, which needs _GNU_SOURCE).
        .target(name: "CGzipFile", linkerSettings: [.linkedLibrary("z")]),
        // Capture files: writing and reading them through libpcap, and the packets (IP, UDP) in them. No engine.
        .target(name: "SIPPcap", dependencies: ["CPcap", "CGzipFile"]),
        // Captures analysed: SIP found by content in decoded packets, grouped into calls and transactions, each
        // message checked against the rule catalogue, a summary. Reads any capture; no engine.
        .target(name: "SIPAnalysis", dependencies: ["SIPCore", "SIPConformance", "SIPPcap"]),
        // extract and replay: a captured call made into a flow file both parties can play.
        .target(name: "SIPExtract", dependencies: ["SIPAnalysis", "SIPCore", "SIPFlow"]),
        // Sockets: UDP (and later TCP/TLS) endpoints, one tap for every message. The only module that does I/O.
        .target(
            name: "SIPTransport",
            dependencies: [
                "SIPCore", "CSIPSocket", "CSIPResolver",
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
        // Run control: a run, its reporters, its taps and a metrics endpoint as services in one ServiceGroup
        // (signals, graceful shutdown, grace), the --trace tap, and the one logging path.
        .target(
            name: "SIPRunControl",
            dependencies: [
                "SIPCore", "SIPEngine", "SIPTransport", "SIPMonitor", "SIPPcap",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The command-line tool: thin subcommands over the libraries.
        .executableTarget(
            name: "sipflow",
            dependencies: [
                "SIPCore", "SIPConformance", "SIPFlow", "SIPEngine", "SIPTransport", "SIPMonitor", "SIPRunControl",
                "SIPAnalysis", "SIPPcap", "SIPExtract",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // What several test targets share (a seeded random-number generator).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore", "TestSupport"]),
        .testTarget(name: "SIPConformanceTests", dependencies: ["SIPCore", "SIPConformance", "TestSupport"]),
        .testTarget(name: "SIPTransactionTests", dependencies: ["SIPCore", "SIPTransaction", "TestSupport"]),
        .testTarget(name: "SIPFlowTests", dependencies: ["SIPFlow", "SIPCore", "TestSupport"]),
        .testTarget(name: "SIPTransportTests", dependencies: ["SIPTransport", "SIPCore", "TestSupport"]),
        .testTarget(name: "SIPEngineTests", dependencies: ["SIPEngine", "SIPFlow", "SIPTransport", "SIPTransaction", "SIPCore", "TestSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(name: "SIPMonitorTests", dependencies: ["SIPMonitor", "SIPCore", "SIPConformance", "SIPTransaction", "SIPTransport", "TestSupport"]),
        // Tests against real SIP software (SIPp, Kamailio) and the sipflow binary.
        .testTarget(
            name: "InteropTests",
            dependencies: ["SIPEngine", "sipflow", "SIPAnalysis", "SIPMonitor", "SIPCore", "SIPConformance", "SIPTransport", "TestSupport"],
            exclude: ["Resources"]
        ),
        .testTarget(name: "sipflowTests", dependencies: ["sipflow", "SIPCore", "SIPConformance", "SIPMonitor"]),
        .testTarget(name: "SIPExtractTests", dependencies: ["SIPExtract", "SIPAnalysis", "SIPFlow", "SIPCore", "SIPPcap"]),
        .testTarget(name: "SIPAnalysisTests", dependencies: ["SIPAnalysis", "SIPPcap", "SIPCore", "SIPConformance"]),
        .testTarget(name: "SIPPcapTests", dependencies: ["SIPPcap", "TestSupport"]),
        .testTarget(name: "SIPRunControlTests", dependencies: ["SIPRunControl", "SIPEngine", "SIPTransport", "SIPCore", "SIPPcap",
                                                               .product(name: "Logging", package: "swift-log"),
                                                               .product(name: "NIOCore", package: "swift-nio")]),
    ],
    swiftLanguageModes: [.v6]
)
