import Foundation

/// The state of a run at one moment, sampled about once a second by the engine from all shards.
///
/// `total` drives the running totals; `interval` (only what happened since the previous snapshot) drives the
/// per-second rates, the live latency and the CSV and JSON timeline rows.
public struct RunSnapshot: Sendable {
    /// Time since the run started.
    public var elapsed: Duration
    /// Calls per second the schedule asks for now; 0 when the run has no schedule (`sipflow serve`).
    public var targetRate: Double
    /// Length of the interval this snapshot covers (about 1 s).
    public var intervalSeconds: Double
    /// Calls in progress now.
    public var active: Int
    /// Everything since the start.
    public var total: CallStatistics
    /// Only this interval.
    public var interval: CallStatistics
    /// Growth of resident memory divided by active dialogs, when known.
    public var memoryPerDialogBytes: Int?

    public init(
        elapsed: Duration, targetRate: Double, intervalSeconds: Double, active: Int,
        total: CallStatistics, interval: CallStatistics, memoryPerDialogBytes: Int? = nil
    ) {
        self.elapsed = elapsed
        self.targetRate = targetRate
        self.intervalSeconds = intervalSeconds
        self.active = active
        self.total = total
        self.interval = interval
        self.memoryPerDialogBytes = memoryPerDialogBytes
    }

    /// Calls started in the interval per second of the interval; 0 for an empty interval.
    public var actualRate: Double {
        intervalSeconds > 0 ? Double(interval.started) / intervalSeconds : 0
    }
}

/// What the user asked for: printed at the top of the summary and written under `run` in the JSON report.
public struct RunParameters: Sendable {
    /// Which side of the calls sipflow plays.
    public enum Role: String, Sendable, Codable {
        /// `sipflow run`: sipflow places calls (user agent client).
        case client
        /// `sipflow serve`: sipflow answers calls (user agent server).
        case server
    }

    /// The flow's name or file.
    public var flow: String
    public var role: Role
    /// The peer (`host:port`) for a client, the listening address for a server.
    public var target: String
    /// The call schedule (rate or ramp, call limit, duration); nil when sipflow only answers.
    public var schedule: RateController?
    public var startedAt: Date

    public init(flow: String, role: Role, target: String, schedule: RateController?, startedAt: Date) {
        self.flow = flow
        self.role = role
        self.target = target
        self.schedule = schedule
        self.startedAt = startedAt
    }
}
