import Histogram

/// Latencies the engine measures, each kept in an HdrHistogram of microseconds.
public enum LatencyMetric: String, Sendable, Hashable, CaseIterable, Codable {
    /// INVITE to the first provisional response (post-dial delay).
    case pdd
    /// INVITE to its 200 (call setup).
    case setup
    /// BYE to its 200 (RFC 6076 session disconnect delay).
    case bye
    /// REGISTER to its 200.
    case register
    /// OPTIONS to its 200.
    case options
    /// INVITE to its first non-100 response (RFC 6076 §4.1 session request delay).
    case srd
    /// How late calls started against their schedule.
    case lateness

    /// The case's place in `allCases`, which `LatencyHistograms` keeps its histograms by.
    var ordinal: Int {
        switch self {
        case .pdd: 0
        case .setup: 1
        case .bye: 2
        case .register: 3
        case .options: 4
        case .srd: 5
        case .lateness: 6
        }
    }

    /// Hashes the case, not its raw `String` (which the synthesized hash would hash on every latency recorded).
    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }
}

/// A histogram for each metric that has been recorded, in a fixed array by metric: a latency is recorded several
/// times a call, and a dictionary hashed the metric each time.
public struct LatencyHistograms: Sendable {
    private var byMetric: [Histogram<UInt64>?] = Array(repeating: nil, count: LatencyMetric.allCases.count)

    public init() {}

    public subscript(metric: LatencyMetric) -> Histogram<UInt64>? {
        get { byMetric[metric.ordinal] }
        _modify { yield &byMetric[metric.ordinal] }
    }

    /// Records `value` in the metric's histogram, made on first use; in place.
    mutating func record(_ value: UInt64, in metric: LatencyMetric) {
        let i = metric.ordinal
        if case .none = byMetric[i] { byMetric[i] = CallStatistics.newHistogram() }
        _ = byMetric[i]!.record(value)
    }

    /// The metrics with a histogram, and their histograms, in `LatencyMetric.allCases` order.
    public var recorded: [(metric: LatencyMetric, histogram: Histogram<UInt64>)] {
        LatencyMetric.allCases.compactMap { m in self[m].map { (m, $0) } }
    }
}

/// Counters and histograms for a set of calls. Each event loop keeps its own and they are merged for reports,
/// so the hot path never shares memory between threads.
public struct CallStatistics: Sendable {
    public var started: UInt64 = 0
    public var completed: UInt64 = 0
    public var failed: UInt64 = 0
    public var failures: [FailureReason: UInt64] = [:]
    /// The first failure of each reason, in one sentence (which call, what arrived or did not, at which step).
    public var failureExamples: [FailureReason: String] = [:]
    public var retransmissions: UInt64 = 0
    /// When the latest call started, from the start of the schedule (its lateness included).
    public var lastStartOffset: Duration?
    public var messagesSent: UInt64 = 0
    public var messagesReceived: UInt64 = 0
    /// Final response codes to INVITE, for RFC 6076 SER and SEER.
    public var inviteFinals: [Int: UInt64] = [:]
    public var histograms = LatencyHistograms()
    /// Conformance findings by rule ID: how many, and the first message text that broke it.
    public var conformance: [String: ConformanceCount] = [:]

    /// Datagrams received that did not parse as SIP (RFC 3261 §7), and the first few of them.
    public var unparsed: UInt64 = 0
    public var unparsedExamples: [UnparsedDatagram] = []
    /// How many unparsed datagrams a run keeps as examples.
    public static let unparsedExampleLimit = 10

    /// A datagram that did not parse: where it came from, why, and its first bytes (escaped).
    public struct UnparsedDatagram: Sendable, Equatable, Codable {
        public var source: String
        public var error: String
        public var firstBytes: String

        public init(source: String, error: String, bytes: [UInt8]) {
            self.source = source
            self.error = error
            self.firstBytes = Self.escaped(bytes.prefix(120))
        }

        /// Printable ASCII as it is, CR and LF as \r and \n, other bytes as \xHH.
        static func escaped(_ bytes: ArraySlice<UInt8>) -> String {
            var out = ""
            for b in bytes {
                switch b {
                case 0x0D: out += "\\r"
                case 0x0A: out += "\\n"
                case 0x5C: out += "\\\\"
                case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
                default: out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
                }
            }
            return out
        }
    }

    /// Counts a datagram that did not parse, keeping it as an example while there are few.
    public mutating func recordUnparsed(_ datagram: @autoclosure () -> UnparsedDatagram) {
        unparsed += 1
        if unparsedExamples.count < Self.unparsedExampleLimit { unparsedExamples.append(datagram()) }
    }

    public struct ConformanceCount: Sendable, Equatable, Codable {
        public var count: UInt64
        public var severity: String
        public var firstExample: String
    }

    public init() {}

    static func newHistogram() -> Histogram<UInt64> {
        // Microseconds from 1 µs to one hour, 3 significant digits.
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Records a latency; values beyond an hour are clamped.
    public mutating func record(_ metric: LatencyMetric, _ latency: Duration) {
        let micros = Swift.min(Swift.max(latency.nanoseconds / 1_000, 1), 3_600_000_000)
        histograms.record(UInt64(micros), in: metric)
    }

    public mutating func fail(_ reason: FailureReason, example: String? = nil) {
        failed += 1
        failures[reason, default: 0] += 1
        if let example, failureExamples[reason] == nil { failureExamples[reason] = example }
    }

    public mutating func merge(_ other: CallStatistics) {
        started += other.started
        completed += other.completed
        failed += other.failed
        for (k, v) in other.failures { failures[k, default: 0] += v }
        for (k, v) in other.failureExamples where failureExamples[k] == nil { failureExamples[k] = v }
        retransmissions += other.retransmissions
        if let o = other.lastStartOffset, o > lastStartOffset ?? .zero { lastStartOffset = o }
        messagesSent += other.messagesSent
        messagesReceived += other.messagesReceived
        for (k, v) in other.inviteFinals { inviteFinals[k, default: 0] += v }
        for (k, h) in other.histograms.recorded {
            if histograms[k] == nil { histograms[k] = Self.newHistogram() }
            histograms[k]!.add(h)
        }
        unparsed += other.unparsed
        unparsedExamples += other.unparsedExamples.prefix(Swift.max(0, Self.unparsedExampleLimit - unparsedExamples.count))
        for (k, v) in other.conformance {
            if var mine = conformance[k] {
                mine.count += v.count
                conformance[k] = mine
            } else {
                conformance[k] = v
            }
        }
    }

    /// The latency at `percentile` (0–100) for a metric, or nil when nothing was recorded.
    public func percentile(_ metric: LatencyMetric, _ percentile: Double) -> Duration? {
        guard let h = histograms[metric], h.totalCount > 0 else { return nil }
        return .microseconds(Int64(h.valueAtPercentile(percentile)))
    }

    public func max(_ metric: LatencyMetric) -> Duration? {
        guard let h = histograms[metric], h.totalCount > 0 else { return nil }
        return .microseconds(Int64(h.max))
    }

    public func mean(_ metric: LatencyMetric) -> Duration? {
        guard let h = histograms[metric], h.totalCount > 0 else { return nil }
        return .nanoseconds(Int64(h.mean * 1_000))
    }

    /// RFC 6076 §4.6 Session Establishment Ratio: INVITEs answered 200 over INVITEs not answered 3xx, in percent.
    public var sessionEstablishmentRatio: Double? {
        let total = inviteFinals.values.reduce(0, +)
        let redirected = inviteFinals.filter { (300..<400).contains($0.key) }.values.reduce(0, +)
        guard total > redirected else { return nil }
        return Double(inviteFinals[200] ?? 0) / Double(total - redirected) * 100
    }

    /// RFC 6076 §4.7 Session Establishment Effectiveness Ratio: INVITEs answered 200, 480, 486, 600 or 603 over
    /// INVITEs not answered 3xx, in percent.
    public var sessionEstablishmentEffectivenessRatio: Double? {
        let total = inviteFinals.values.reduce(0, +)
        let redirected = inviteFinals.filter { (300..<400).contains($0.key) }.values.reduce(0, +)
        guard total > redirected else { return nil }
        let effective = [200, 480, 486, 600, 603].reduce(0) { $0 + (inviteFinals[$1] ?? 0) }
        return Double(effective) / Double(total - redirected) * 100
    }
}
