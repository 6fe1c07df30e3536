import Foundation

/// How `sipflow ping --watch` prints its events: lines for people, or JSON Lines (one object per event).
public struct WatchReport: Sendable {
    public enum Format: Sendable { case text, json }

    public let format: Format
    /// Print every probe, not only transitions and summaries.
    public let verbose: Bool
    public let policy: ProbePolicy

    public init(format: Format, verbose: Bool, policy: ProbePolicy) {
        self.format = format
        self.verbose = verbose
        self.policy = policy
    }

    /// The lines for one event (empty when it is not shown), each ending in a newline.
    public func render(_ event: WatchEvent, now: Date = Date()) -> String {
        let stamp = Timestamp.utc(now.timeIntervalSince1970)
        switch (format, event) {
        case (.text, .probe(let target, let number, let result, let state)):
            guard verbose else { return "" }
            return "\(stamp) \(target) probe \(number): \(result.status) \(headline(result)) [\(state.rawValue)]\n"
        case (.text, .transition(let target, let t, let result, let at)):
            let why = t.to == .up ? "\(t.consecutive) consecutive success\(t.consecutive == 1 ? "" : "es")"
                                  : "\(t.consecutive) consecutive failure\(t.consecutive == 1 ? "" : "s")"
            return "\(Timestamp.utc(at.timeIntervalSince1970)) \(target) \(t.to.rawValue) (was \(t.from.rawValue)) after \(why), "
                + "probe \(t.probe): \(headline(result))\n"
        case (.text, .summary(let stats, _)):
            return "\(stamp) summary\n" + stats.map { "  \($0.line)\n" }.joined()
        case (.json, .probe(let target, let number, let result, let state)):
            guard verbose else { return "" }
            return JSONOutput.encode(JSONProbeEvent(event: "probe", time: stamp, target: target, probe: number,
                                                    state: state.rawValue, result: JSONProbe(result)), pretty: false) + "\n"
        case (.json, .transition(let target, let t, let result, let at)):
            return JSONOutput.encode(JSONTransitionEvent(event: "transition", time: Timestamp.utc(at.timeIntervalSince1970),
                                                         target: target, from: t.from.rawValue, to: t.to.rawValue,
                                                         probe: t.probe, consecutive: t.consecutive, result: JSONProbe(result)),
                                     pretty: false) + "\n"
        case (.json, .summary(let stats, _)):
            return JSONOutput.encode(JSONSummaryEvent(event: "summary", time: stamp, targets: stats.map(\.summary)), pretty: false) + "\n"
        }
    }

    /// The closing summary.
    public func final(_ stats: [TargetStatistics], now: Date = Date()) -> String {
        let stamp = Timestamp.utc(now.timeIntervalSince1970)
        switch format {
        case .text: return "\(stamp) final summary\n" + stats.map { "  \($0.line)\n" }.joined()
        case .json: return JSONOutput.encode(JSONSummaryEvent(event: "final", time: stamp, targets: stats.map(\.summary)), pretty: false) + "\n"
        }
    }

    /// The exit code after a watch: 0 when every target ends UP, 2 when any ends DOWN, else 3 (some never decided).
    public static func exitStatus(_ stats: [TargetStatistics]) -> MonitorStatus {
        stats.map { s -> MonitorStatus in
            switch s.state {
            case .up: .ok
            case .down: .critical
            case .unknown: .unknown
            }
        }.reduce(.ok, MonitorStatus.worst)
    }

    func headline(_ r: ProbeResult) -> String {
        CheckReport(results: [r], policy: policy).headline(r)
    }
}

struct JSONProbeEvent: Encodable {
    let event: String
    let time: String
    let target: String
    let probe: Int
    let state: String
    let result: JSONProbe
}

struct JSONTransitionEvent: Encodable {
    let event: String
    let time: String
    let target: String
    let from: String
    let to: String
    let probe: Int
    let consecutive: Int
    let result: JSONProbe
}

struct JSONSummaryEvent: Encodable {
    let event: String
    let time: String
    let targets: [TargetStatistics.Summary]
}
