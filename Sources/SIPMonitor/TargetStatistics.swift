import Foundation
import Histogram

/// Running figures for one watched target: availability, RTT percentiles (HdrHistogram, microseconds), answers
/// by code and failures by kind.
public struct TargetStatistics: Sendable {
    public let target: String
    public private(set) var probes = 0
    public private(set) var alive = 0
    public private(set) var codes: [Int: Int] = [:]
    public private(set) var failures: [String: Int] = [:]
    /// Conformance findings on the answers, by rule ID.
    public private(set) var findings: [String: Int] = [:]
    public private(set) var state: HealthState = .unknown
    public private(set) var rtt = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                                                    numberOfSignificantValueDigits: .three)

    public init(target: String) { self.target = target }

    public mutating func record(_ result: ProbeResult, state: HealthState) {
        probes += 1
        self.state = state
        if result.isAlive { alive += 1 }
        for f in result.findings { findings[f.rule.id, default: 0] += 1 }
        if let code = result.outcome.statusCode { codes[code, default: 0] += 1 } else { failures[result.outcome.kind, default: 0] += 1 }
        if case .answered = result.outcome, let d = result.rtt {
            _ = rtt.record(UInt64(min(max(d.seconds * 1e6, 1), 3.6e9)))
        }
    }

    /// Answered-and-accepted probes over all probes, in percent; nil before the first probe.
    public var availability: Double? { probes == 0 ? nil : Double(alive) / Double(probes) * 100 }

    public func rttPercentile(_ p: Double) -> Duration? {
        rtt.totalCount == 0 ? nil : .microseconds(Int64(rtt.valueAtPercentile(p)))
    }

    /// `sip:lb1  UP  probes 10, available 80.0%, rtt p50 1.2 ms p90 1.9 ms p99 2.0 ms max 2.0 ms, 200×8 timeout×2`,
    /// then `findings RULE×N` when answers broke rules.
    public var line: String {
        var s = "\(target)  \(state.rawValue)  probes \(probes)"
        if let a = availability { s += String(format: ", available %.1f%%", a) }
        if rtt.totalCount > 0 {
            s += ", rtt " + [("p50", 50.0), ("p90", 90.0), ("p99", 99.0)].map { "\($0.0) \(format(rttPercentile($0.1)!))" }.joined(separator: " ")
            s += " max \(format(.microseconds(Int64(rtt.max))))"
        }
        let parts = codes.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }
            + failures.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }
        if !parts.isEmpty { s += ", " + parts.joined(separator: " ") }
        if !findings.isEmpty {
            s += ", findings " + findings.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        }
        return s
    }

    /// The figures as a JSON-encodable value.
    public var summary: Summary {
        Summary(target: target, state: state.rawValue, probes: probes, alive: alive, availabilityPercent: availability,
                rttP50Seconds: rttPercentile(50)?.seconds, rttP90Seconds: rttPercentile(90)?.seconds,
                rttP99Seconds: rttPercentile(99)?.seconds,
                rttMaxSeconds: rtt.totalCount > 0 ? Double(rtt.max) / 1e6 : nil,
                codes: Dictionary(uniqueKeysWithValues: codes.map { (String($0.key), $0.value) }), failures: failures,
                findings: findings)
    }

    public struct Summary: Sendable, Encodable {
        public let target: String
        public let state: String
        public let probes: Int
        public let alive: Int
        public let availabilityPercent: Double?
        public let rttP50Seconds: Double?
        public let rttP90Seconds: Double?
        public let rttP99Seconds: Double?
        public let rttMaxSeconds: Double?
        public let codes: [String: Int]
        public let failures: [String: Int]
        public let findings: [String: Int]
    }
}
