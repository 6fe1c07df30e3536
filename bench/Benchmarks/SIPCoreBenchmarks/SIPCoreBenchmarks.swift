import BenchSupport
import Benchmark
import SIPCore

/// Parse and serialize throughput of SIPCore (see docs/performance.md and bench/parse.sh).
///
/// Each iteration parses one message and reads the typed values the engine reads on every message: the top Via's
/// branch, the From tag, To, CSeq and Call-ID. The reads are summed into `blackHole` so that none is optimised away.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 1_000,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    Benchmark("Parse INVITE + typed reads") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(parseAndRead(Messages.invite)) }
    }

    Benchmark("Parse 200 OK + typed reads") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(parseAndRead(Messages.ok)) }
    }

    let invite = try! SIPMessage(parsing: Messages.invite)
    Benchmark("Serialize INVITE") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(invite.serialized()) }
    }

    let ok = try! SIPMessage(parsing: Messages.ok)
    Benchmark("Serialize 200 OK") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(ok.serialized()) }
    }
}
