/// Whether a run passed: no failed call, no `--fail-if` condition crossed, and (for `run`) at least one call placed.
public enum Verdict: String, Sendable, Codable {
    case passed, failed
}

/// One `--fail-if` condition checked against the final statistics.
public struct ThresholdResult: Sendable, Equatable {
    public let threshold: Threshold
    /// The measured value in the condition's own unit (see `unit`), or nil when there was nothing to measure
    /// (a latency with no samples); such a condition is not crossed.
    public let measured: Double?
    /// The limit written in the condition, in the same unit as `measured`.
    public let limit: Double
    public let unit: Unit
    public let crossed: Bool

    /// The unit a condition is reported in: the one the user wrote it in.
    public enum Unit: String, Sendable, Codable {
        case milliseconds = "ms", percent = "%", callsPerSecond = "calls/s", count
    }

    public init(_ threshold: Threshold, stats: CallStatistics, achievedRate: Double) {
        self.threshold = threshold
        let raw = threshold.measured(in: stats, achievedRate: achievedRate)
        crossed = threshold.isCrossed(by: stats, achievedRate: achievedRate)
        let scale: Double
        switch threshold.quantity {
        case .latency: (unit, scale) = (.milliseconds, 1000)
        case .rate: (unit, scale) = (.callsPerSecond, 1)
        case .ser, .seer: (unit, scale) = (.percent, 1)
        case .failed, .completed, .started, .retransmissions:
            (unit, scale) = threshold.isPercentOfStarted ? (.percent, 100) : (.count, 1)
        }
        measured = raw.map { $0 * scale }
        limit = threshold.value * scale
    }

    /// The measured value as the summary prints it: `8.1ms`, `0.02%`, `996.7 calls/s`, `12`, or `-`.
    public var measuredText: String {
        guard let measured else { return "-" }
        switch unit {
        case .milliseconds: return DurationText.format(.nanoseconds(Int64((measured * 1e6).rounded())))
        case .percent: return ReportText.fixed(measured, places: 2) + "%"
        case .callsPerSecond: return ReportText.fixed(measured, places: 1) + " calls/s"
        case .count: return ReportText.decimal(measured)
        }
    }
}

/// The end of a run: what was asked, what happened, and whether it passed. `SummaryTable` prints it and
/// `RunReport` writes it as JSON.
public struct RunOutcome: Sendable {
    public var parameters: RunParameters
    /// From the start to the end of the run, including the wait for the last calls to end.
    public var elapsed: Duration
    /// The time over which calls were started (the schedule, without the final wait for calls to end).
    /// The achieved rate is `total.started / rateWindow`.
    public var rateWindow: Duration
    public var total: CallStatistics
    public var memoryPerDialogBytes: Int?
    public var thresholds: [ThresholdResult]
    public var verdict: Verdict
    /// 0 when passed, 1 when a condition was crossed (the CLI's documented codes); the engine may set 3 after a
    /// runtime error.
    public var exitCode: Int32

    /// Checks each condition against `total` and derives the verdict and exit code.
    public init(
        parameters: RunParameters, elapsed: Duration, rateWindow: Duration? = nil, total: CallStatistics,
        memoryPerDialogBytes: Int? = nil, conditions: [Threshold]
    ) {
        self.parameters = parameters
        self.elapsed = elapsed
        self.rateWindow = rateWindow ?? elapsed
        self.total = total
        self.memoryPerDialogBytes = memoryPerDialogBytes
        let window = (rateWindow ?? elapsed).seconds
        let rate = window > 0 ? Double(total.started) / window : 0
        thresholds = conditions.map { ThresholdResult($0, stats: total, achievedRate: rate) }
        // A run fails when any call failed (exit code 1, as documented), a --fail-if condition holds, or a caller
        // placed no call at all (stopped before its first): it measured nothing, so it has not shown that anything
        // works. A `serve` nobody called still passes: it may have been there only to answer OPTIONS pings.
        verdict = thresholds.contains(where: \.crossed) || total.failed > 0 || (parameters.role == .client && total.started == 0) ? .failed : .passed
        exitCode = verdict == .passed ? 0 : 1
    }

    /// A `run` that ended before it started any call.
    public var placedNoCall: Bool { parameters.role == .client && total.started == 0 }

    /// Calls started per second over `rateWindow`.
    public var achievedRate: Double {
        let window = rateWindow.seconds
        return window > 0 ? Double(total.started) / window : 0
    }

    /// Failed calls as a percentage of started calls (0 when none started).
    public var failedPercent: Double {
        total.started > 0 ? Double(total.failed) / Double(total.started) * 100 : 0
    }

    /// Whether INVITEs were answered, so RFC 6076 SER/SEER and session delays mean something.
    public var hasInvites: Bool {
        !total.inviteFinals.isEmpty || total.histograms[.srd].map { $0.totalCount > 0 } == true
    }
}
