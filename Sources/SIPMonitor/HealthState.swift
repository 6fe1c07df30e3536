/// Whether a target is taken to be alive, as a load balancer's monitor decides it.
public enum HealthState: String, Sendable, Hashable, Codable {
    /// Not yet decided: fewer probes than either threshold so far.
    case unknown = "UNKNOWN"
    case up = "UP"
    case down = "DOWN"
}

/// The up/down state machine of a load-balancer health monitor, as a value with probe results as input.
///
/// A target goes DOWN after `downAfter` consecutive failed probes and UP after `upAfter` consecutive successful
/// ones (F5 BIG-IP "up after", Kamailio dispatcher `ds_probing_threshold` / `ds_inactive_threshold`). It starts
/// UNKNOWN, and leaves it by the same rule. Each `record` returns the transition it caused, if any.
public struct HealthTracker: Sendable, Hashable {
    public struct Transition: Sendable, Hashable {
        public let from: HealthState
        public let to: HealthState
        /// The 1-based number of the probe that caused it.
        public let probe: Int
        /// How many consecutive probes of the same result led to it.
        public let consecutive: Int
    }

    public let downAfter: Int
    public let upAfter: Int
    public private(set) var state: HealthState = .unknown
    public private(set) var probes = 0
    public private(set) var consecutiveSuccesses = 0
    public private(set) var consecutiveFailures = 0

    public init(downAfter: Int = 1, upAfter: Int = 1) {
        precondition(downAfter >= 1 && upAfter >= 1, "thresholds are at least 1")
        self.downAfter = downAfter
        self.upAfter = upAfter
    }

    /// Records one probe's result; returns the transition it caused, if any.
    public mutating func record(success: Bool) -> Transition? {
        probes += 1
        if success {
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            if state != .up, consecutiveSuccesses >= upAfter { return move(to: .up, consecutive: consecutiveSuccesses) }
        } else {
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            if state != .down, consecutiveFailures >= downAfter { return move(to: .down, consecutive: consecutiveFailures) }
        }
        return nil
    }

    private mutating func move(to new: HealthState, consecutive: Int) -> Transition {
        let t = Transition(from: state, to: new, probe: probes, consecutive: consecutive)
        state = new
        return t
    }
}
