import SIPFlow

/// A `--fail-if` condition: when it holds at the end of a run, the run fails (exit code 1).
///
/// Forms: `failed > 0.1%` (of started calls), `failed > 10`, `p99(setup) > 200ms`, `max(bye) >= 1s`,
/// `mean(pdd) > 50ms`, `retransmissions > 0`, `rate < 990` (achieved calls/s), `completed < 1000`,
/// `ser < 99.5` (RFC 6076, percent), `seer < 99.9`.
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    public enum Quantity: Sendable, Equatable {
        case failed, completed, started, retransmissions, rate, ser, seer
        case latency(statistic: LatencyStatistic, metric: LatencyMetric)
    }

    public enum LatencyStatistic: Sendable, Equatable {
        case percentile(Double), max, mean
    }

    public enum Comparison: String, Sendable, CaseIterable {
        case greaterOrEqual = ">=", lessOrEqual = "<=", notEqual = "!=", equal = "==", greater = ">", less = "<"

        func holds(_ a: Double, _ b: Double) -> Bool {
            switch self {
            case .greater: a > b
            case .greaterOrEqual: a >= b
            case .less: a < b
            case .lessOrEqual: a <= b
            case .equal: a == b
            case .notEqual: a != b
            }
        }
    }

    public let text: String
    public let quantity: Quantity
    public let comparison: Comparison
    /// Seconds for latencies, a fraction (0–1) for percentages of started calls, a plain number otherwise.
    public let value: Double
    public let isPercentOfStarted: Bool

    public var description: String { text }

    /// Parses a condition; throws a one-sentence error naming what is wrong.
    public init(parsing text: String) throws(ThresholdError) {
        self.text = text
        let compact = text.filter { !$0.isWhitespace }
        guard let (op, lhsText, rhsText) = Self.split(compact) else {
            throw ThresholdError("'\(text)' has no comparison (>, >=, <, <=, ==, !=)")
        }
        comparison = op
        let lhs = lhsText.lowercased()
        var rhs = rhsText.lowercased()
        quantity = try Self.quantity(lhs, in: text)
        isPercentOfStarted = rhs.hasSuffix("%") && [.failed, .completed].contains(quantity)
        if rhs.hasSuffix("%") { rhs.removeLast() }
        if case .latency = quantity {
            guard let d = DurationText.parse(rhs) else {
                throw ThresholdError("'\(text)': '\(rhs)' is not a duration such as 200ms or 1.5s")
            }
            value = d.seconds
        } else {
            guard let v = Double(rhs), v.isFinite else { throw ThresholdError("'\(text)': '\(rhs)' is not a number") }
            value = isPercentOfStarted ? v / 100 : v
        }
    }

    /// Splits at the first comparison operator, preferring two-character operators.
    static func split(_ s: String) -> (Comparison, String, String)? {
        let chars = Array(s)
        for i in chars.indices {
            for op in Comparison.allCases {
                let o = Array(op.rawValue)
                if i + o.count <= chars.count, Array(chars[i..<(i + o.count)]) == o {
                    return (op, String(chars[..<i]), String(chars[(i + o.count)...]))
                }
            }
        }
        return nil
    }

    static func quantity(_ lhs: String, in text: String) throws(ThresholdError) -> Quantity {
        switch lhs {
        case "failed": return .failed
        case "completed": return .completed
        case "started": return .started
        case "retransmissions": return .retransmissions
        case "rate": return .rate
        case "ser": return .ser
        case "seer": return .seer
        default: break
        }
        guard let open = lhs.firstIndex(of: "("), lhs.hasSuffix(")") else {
            throw ThresholdError("'\(text)': unknown quantity '\(lhs)' (failed, completed, started, retransmissions, rate, ser, seer, pNN(metric), max(metric), mean(metric))")
        }
        let fn = String(lhs[..<open])
        let arg = String(lhs[lhs.index(after: open)..<lhs.index(before: lhs.endIndex)])
        guard let metric = LatencyMetric(rawValue: arg) else {
            let names = LatencyMetric.allCases.map(\.rawValue).joined(separator: ", ")
            throw ThresholdError("'\(text)': unknown metric '\(arg)' (\(names))")
        }
        switch fn {
        case "max": return .latency(statistic: .max, metric: metric)
        case "mean": return .latency(statistic: .mean, metric: metric)
        default:
            guard fn.hasPrefix("p"), let p = Double(fn.dropFirst()), p > 0, p <= 100 else {
                throw ThresholdError("'\(text)': '\(fn)' is not max, mean or a percentile such as p99 or p99.9")
            }
            return .latency(statistic: .percentile(p), metric: metric)
        }
    }

    /// The measured value this condition compares, or nil when there is nothing to compare (no samples).
    public func measured(in stats: CallStatistics, achievedRate: Double) -> Double? {
        switch quantity {
        case .failed: return isPercentOfStarted ? ratio(stats.failed, stats.started) : Double(stats.failed)
        case .completed: return isPercentOfStarted ? ratio(stats.completed, stats.started) : Double(stats.completed)
        case .started: return Double(stats.started)
        case .retransmissions: return Double(stats.retransmissions)
        case .rate: return achievedRate
        case .ser: return stats.sessionEstablishmentRatio
        case .seer: return stats.sessionEstablishmentEffectivenessRatio
        case .latency(let statistic, let metric):
            let d: Duration?
            switch statistic {
            case .percentile(let p): d = stats.percentile(metric, p)
            case .max: d = stats.max(metric)
            case .mean: d = stats.mean(metric)
            }
            return d?.seconds
        }
    }

    func ratio(_ a: UInt64, _ b: UInt64) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    /// Whether the condition holds (the run fails). A latency with no samples does not hold.
    public func isCrossed(by stats: CallStatistics, achievedRate: Double) -> Bool {
        guard let m = measured(in: stats, achievedRate: achievedRate) else { return false }
        return comparison.holds(m, value)
    }
}

public struct ThresholdError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Durations as users write them on the command line: what flow files accept (`500ms`, `2s`, `1.5s`, `5m`, `1h`,
/// see `DurationSyntax`), plus `us`/`µs` for latency thresholds.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        if let d = DurationSyntax.parse(text) { return d }
        let t = text.trimmingCharacters(in: " ")
        for suffix in ["us", "µs"] where t.hasSuffix(suffix) {
            guard let v = Double(t.dropLast(suffix.count)), v.isFinite, v >= 0 else { return nil }
            return .nanoseconds(Int64((v * 1e3).rounded()))
        }
        return nil
    }

    public static func format(_ d: Duration) -> String {
        let s = d.seconds
        if s >= 1 { return String(format2(s)) + "s" }
        if s >= 0.001 { return format2(s * 1000) + "ms" }
        return format2(s * 1_000_000) + "µs"
    }

    static func format2(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

extension String {
    func trimmingCharacters(in chars: Character) -> String {
        var s = Substring(self)
        while s.first == chars { s.removeFirst() }
        while s.last == chars { s.removeLast() }
        return String(s)
    }
}
