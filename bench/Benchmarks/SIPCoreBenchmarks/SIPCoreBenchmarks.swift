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

/// Parses `bytes` and reads topVia.branch, from.tag, to, cseq and callID; returns a checksum of what it read.
@inline(never)
func parseAndRead(_ bytes: [UInt8]) -> Int {
    guard let m = try? SIPMessage(parsing: bytes) else { return -1 }
    var sum = m.headers.count
    sum &+= m.topVia?.branch?.count ?? 0
    sum &+= m.from?.tag?.count ?? 0
    sum &+= m.to?.uri.count ?? 0
    sum &+= Int(m.cseq?.sequenceNumber ?? 0)
    sum &+= m.callID?.count ?? 0
    return sum
}
