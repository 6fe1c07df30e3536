/// A check's verdict in Nagios / Icinga plugin terms; the raw value is the plugin exit code.
public enum MonitorStatus: Int32, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    public var description: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    /// How bad, for combining several targets: OK < WARNING < UNKNOWN < CRITICAL (a dead target outweighs one
    /// that could not be checked).
    var badness: Int {
        switch self {
        case .ok: 0
        case .warning: 1
        case .unknown: 2
        case .critical: 3
        }
    }

    /// The worse of two verdicts.
    public static func worst(_ a: MonitorStatus, _ b: MonitorStatus) -> MonitorStatus { a.badness >= b.badness ? a : b }

    /// Whether a load balancer would count the probe as answered: OK or WARNING.
    public var isAlive: Bool { self == .ok || self == .warning }
}
