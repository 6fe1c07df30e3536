import SIPCore
import SIPFlow

/// A step's `assert:` and `capture:` on a received message.
extension Call {
    /// Runs the expectation's assertions, then its captures. Returns the failure, if any.
    ///
    /// Takes the expectation as its step holds it: passed as a value, it would be copied (a reference counted for
    /// each of its arrays and strings) even when it has nothing to assert or keep.
    func evaluate(_ held: Boxed<Expectation>, _ message: SIPMessage) -> FailureReason? {
        for assertion in held.value.assertions where !assertion.holds(in: message, render: render) {
            return .assertionFailed
        }
        for capture in held.value.captures where capture.slot < captures.count {
            if let value = capture.value(in: message) { captures[capture.slot] = value }
        }
        return nil
    }
}

extension Delay {
    /// A delay no draw is likely to exceed, for timeouts that must outlast a peer's pause: the longest of a
    /// uniform, mean + 6σ of a normal, 10 × the mean of an exponential.
    var upperBound: Duration {
        switch self {
        case .fixed(let d): d
        case .uniform(_, let high): high
        case .normal(let mean, let stddev): mean + stddev * 6
        case .exponential(let mean): mean * 10
        }
    }
}
