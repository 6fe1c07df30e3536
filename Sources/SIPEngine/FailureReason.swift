/// Why a call failed. A failed call has exactly one reason: the first thing that went wrong.
public enum FailureReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// The expected message did not arrive within the step's timeout.
    case timeout
    /// A message arrived that the flow does not expect at this step.
    case unexpectedMessage = "unexpected-message"
    /// A response arrived with a status code the step does not accept.
    case unexpectedStatus = "unexpected-status"
    /// A request was retransmitted until its transaction timed out (RFC 3261 timer B or F).
    case retransmissionsExhausted = "retransmissions-exhausted"
    /// The message could not be sent.
    case sendError = "send-error"
    /// A step's assertion on a header or the body did not hold.
    case assertionFailed = "assertion-failed"
    /// A received message broke a conformance rule of severity error (with `--conformance error`).
    case conformanceError = "conformance-error"
    /// The peer asked for authentication (401/407), which this version does not answer.
    case authenticationRequired = "auth-required"
    /// The run was stopped before the call could end properly.
    case aborted
}
