import SIPTransaction

/// The open-loop call schedule: when call number n is due, whatever happened to earlier calls.
///
/// A call starts on schedule whether or not others finished, and delays are measured from the scheduled time, so a
/// slow peer shows up as latency instead of a quietly lower rate (no coordinated omission).
/// Rates are calls per second; a ramp goes linearly from `from` to `to` over `rampDuration`, then holds `to`.
public struct RateController: Sendable, Equatable {
    public let from: Double
    public let to: Double
    public let rampDuration: Duration
    /// Stop after this many calls, if set.
    public let maxCalls: Int?
    /// Stop starting calls after this long, if set.
    public let duration: Duration?

    public init(rate: Double, maxCalls: Int? = nil, duration: Duration? = nil) {
        self.init(from: rate, to: rate, rampDuration: .zero, maxCalls: maxCalls, duration: duration)
    }

    public init(from: Double, to: Double, rampDuration: Duration, maxCalls: Int? = nil, duration: Duration? = nil) {
        precondition(from > 0 && to > 0, "rates are validated positive by the caller")
        self.from = from
        self.to = to
        self.rampDuration = rampDuration
        self.maxCalls = maxCalls
        self.duration = duration
    }

    var rampSeconds: Double { rampDuration.seconds }

    /// Calls due by `t` seconds after the start (the integral of the rate).
    public func callsDue(atSeconds t: Double) -> Double {
        guard t > 0 else { return 0 }
        let T = rampSeconds
        if T <= 0 || t >= T {
            let rampCalls = T > 0 ? (from + to) / 2 * T : 0
            return rampCalls + to * (t - max(T, 0))
        }
        return from * t + (to - from) * t * t / (2 * T)
    }

    /// When call `n` (0-based) is due, in seconds after the start; nil when the run has ended by count or duration.
    public func startTime(ofCall n: Int) -> Double? {
        if let maxCalls, n >= maxCalls { return nil }
        let target = Double(n)
        let T = rampSeconds
        let t: Double
        let rampCalls = T > 0 ? (from + to) / 2 * T : 0
        if T <= 0 || target >= rampCalls {
            t = max(T, 0) + (target - rampCalls) / to
        } else if from == to {
            t = target / from
        } else {
            // Solve from·t + (to-from)/(2T)·t² = n for the positive root.
            let a = (to - from) / (2 * T), b = from, c = -target
            let disc = b * b - 4 * a * c
            t = (-b + disc.squareRoot()) / (2 * a)
        }
        if let duration, t >= duration.seconds { return nil }
        return t
    }

    /// The rate in calls per second at `t` seconds after the start.
    public func rate(atSeconds t: Double) -> Double {
        let T = rampSeconds
        guard T > 0, t < T else { return to }
        return from + (to - from) * max(t, 0) / T
    }
}
