/// One second of a run: a row of the `--csv` file and an entry of the JSON report's `timeline`.
public struct TimelineRow: Sendable, Codable, Equatable {
    /// Seconds since the start, to the millisecond.
    public var elapsedSeconds: Double
    public var targetRate: Double
    /// Calls started in the interval per second.
    public var actualRate: Double
    public var active: Int
    /// Counts within the interval.
    public var started: UInt64
    public var completed: UInt64
    public var failed: UInt64
    public var retransmissions: UInt64
    public var messagesSent: UInt64
    public var messagesReceived: UInt64
    /// Interval percentiles in milliseconds, for the metrics that had samples in the interval.
    public var latency: [String: Percentiles]

    public struct Percentiles: Sendable, Codable, Equatable {
        public var p50: Double
        public var p99: Double
    }

    public init(_ s: RunSnapshot) {
        elapsedSeconds = (s.elapsed.seconds * 1000).rounded() / 1000
        targetRate = Self.round3(s.targetRate)
        actualRate = Self.round3(s.actualRate)
        active = s.active
        let i = s.interval
        started = i.started
        completed = i.completed
        failed = i.failed
        retransmissions = i.retransmissions
        messagesSent = i.messagesSent
        messagesReceived = i.messagesReceived
        latency = [:]
        for m in LatencyMetric.allCases {
            guard let p50 = i.percentile(m, 50), let p99 = i.percentile(m, 99) else { continue }
            latency[m.rawValue] = Percentiles(p50: ReportText.milliseconds(p50), p99: ReportText.milliseconds(p99))
        }
    }

    static func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

    /// The CSV header: fixed counters, then `<metric>_p50_ms,<metric>_p99_ms` for every `LatencyMetric`.
    public static var csvHeader: String {
        (["elapsed_s", "target_rate", "actual_rate", "active", "started", "completed", "failed", "retransmissions",
          "messages_sent", "messages_received"]
            + LatencyMetric.allCases.flatMap { ["\($0.rawValue)_p50_ms", "\($0.rawValue)_p99_ms"] })
            .joined(separator: ",")
    }

    /// The CSV row; a metric without samples in the interval leaves its two cells empty.
    public var csvRow: String {
        let d = { (v: Double) in ReportText.decimal(v) }
        var cells = [d(elapsedSeconds), d(targetRate), d(actualRate), "\(active)", "\(started)", "\(completed)",
                     "\(failed)", "\(retransmissions)", "\(messagesSent)", "\(messagesReceived)"]
        for m in LatencyMetric.allCases {
            let p = latency[m.rawValue]
            cells += [p.map { d($0.p50) } ?? "", p.map { d($0.p99) } ?? ""]
        }
        return cells.joined(separator: ",")
    }
}
