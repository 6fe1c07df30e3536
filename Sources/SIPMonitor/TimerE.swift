/// RFC 3261 §17.1.2.2 Timer E for one non-INVITE request over UDP, as a value: when retransmissions go out.
///
/// Timer E starts at T1 and doubles after each retransmission up to T2; once a provisional response arrives
/// (Proceeding state) it is reset to T2 at each firing. The monitor's `--timeout` ends the probe early; Timer F
/// (64·T1) still ends it when the timeout is longer. No retransmission goes out at or after the end.
///
/// The prober drives `SIPTransaction.ClientNonInviteTransaction`; this is the same schedule as a plain function,
/// for `--help`, documentation and a test that holds the two to each other.
public struct TimerE: Sendable, Hashable {
    public static let defaultT1: Duration = .milliseconds(500)
    public static let defaultT2: Duration = .seconds(4)

    public let t1: Duration
    public let t2: Duration
    public let timeout: Duration
    /// When the next retransmission is due, counted from the first transmission.
    public private(set) var nextAt: Duration
    private var interval: Duration

    public init(t1: Duration = TimerE.defaultT1, t2: Duration = TimerE.defaultT2, timeout: Duration) {
        self.t1 = t1
        self.t2 = t2
        self.timeout = timeout
        self.interval = t1
        self.nextAt = t1
    }

    /// When the transaction gives up: the timeout, or Timer F (64·T1, 32 s by default) when that comes first.
    public var end: Duration { min(timeout, t1 * 64) }

    /// The offset of the next retransmission, or nil when it would fall at or after the end.
    public var due: Duration? { nextAt < end ? nextAt : nil }

    /// Timer E fired (a retransmission went out): the interval doubles, capped at T2.
    public mutating func fired() {
        interval = min(interval * 2, t2)
        nextAt += interval
    }

    /// A provisional response arrived (RFC 3261 §17.1.2.2, Proceeding): the retransmission already due still
    /// goes out, and each one after it follows at T2.
    public mutating func proceeding() {
        interval = t2 / 2
    }

    /// Every retransmission offset inside the timeout when no provisional response arrives:
    /// 0.5 s, 1.5 s, 3.5 s for the defaults and a 5 s timeout.
    public static func schedule(t1: Duration = defaultT1, t2: Duration = defaultT2, timeout: Duration) -> [Duration] {
        var timer = TimerE(t1: t1, t2: t2, timeout: timeout)
        var out: [Duration] = []
        while let at = timer.due, out.count < 1_000 {
            out.append(at)
            timer.fired()
        }
        return out
    }
}
