import SIPConformance
import SIPCore

/// What happened to one probe on the wire, before it is judged.
public enum ProbeOutcome: Sendable, Hashable {
    /// A final response arrived.
    case answered(code: Int, reason: String)
    /// No final response within the timeout.
    case timeout
    /// ICMP port-unreachable: nothing listens on the port (seen as ECONNREFUSED on the connected socket).
    case portUnreachable
    /// The target's name did not resolve.
    case unresolvable(String)
    /// The socket could not be opened or failed otherwise.
    case transportError(String)

    /// A short label for reports and metrics: `answered`, `timeout`, `unreachable`, `unresolvable`, `error`.
    public var kind: String {
        switch self {
        case .answered: "answered"
        case .timeout: "timeout"
        case .portUnreachable: "unreachable"
        case .unresolvable: "unresolvable"
        case .transportError: "error"
        }
    }

    public var statusCode: Int? { if case .answered(let c, _) = self { c } else { nil } }
}

/// What the prober saw for one probe: the raw observation the evaluator judges.
public struct ProbeObservation: Sendable {
    public var target: ProbeTarget
    /// The address the probe went to, e.g. `127.0.0.1:5060`, if the name resolved.
    public var address: String?
    public var request: SIPMessage?
    public var response: SIPMessage?
    public var outcome: ProbeOutcome
    /// From the first transmission to the final response.
    public var rtt: Duration?
    public var retransmissions: Int
    /// Status codes of provisional responses, in order.
    public var provisional: [Int]
    /// Datagrams from the target that were not SIP or did not answer this probe.
    public var strayDatagrams: Int

    public init(target: ProbeTarget, address: String? = nil, request: SIPMessage? = nil, response: SIPMessage? = nil,
                outcome: ProbeOutcome, rtt: Duration? = nil, retransmissions: Int = 0, provisional: [Int] = [],
                strayDatagrams: Int = 0) {
        self.target = target
        self.address = address
        self.request = request
        self.response = response
        self.outcome = outcome
        self.rtt = rtt
        self.retransmissions = retransmissions
        self.provisional = provisional
        self.strayDatagrams = strayDatagrams
    }
}

/// How a probe is judged: which codes count, how slow is too slow, which headers must be there.
public struct ProbePolicy: Sendable {
    public var accept: AcceptedCodes
    /// RTT above this is WARNING.
    public var warn: Duration?
    /// RTT above this is CRITICAL.
    public var critical: Duration?
    public var expectations: [HeaderExpectation]
    public var timeout: Duration

    public init(accept: AcceptedCodes = .default, warn: Duration? = nil, critical: Duration? = nil,
                expectations: [HeaderExpectation] = [], timeout: Duration = .seconds(5)) {
        self.accept = accept
        self.warn = warn
        self.critical = critical
        self.expectations = expectations
        self.timeout = timeout
    }
}

/// One judged probe: the observation, its verdict, and why.
public struct ProbeResult: Sendable {
    public let observation: ProbeObservation
    public let status: MonitorStatus
    /// Why the verdict is not OK, one sentence each, worst first.
    public let problems: [String]
    /// Conformance findings on the answer (response against request, and the answer alone).
    public let findings: [Finding]

    public var target: ProbeTarget { observation.target }
    public var outcome: ProbeOutcome { observation.outcome }
    public var rtt: Duration? { observation.rtt }
    /// Whether a load balancer would count this probe as a success.
    public var isAlive: Bool { status.isAlive }

    public init(observation: ProbeObservation, status: MonitorStatus, problems: [String], findings: [Finding]) {
        self.observation = observation
        self.status = status
        self.problems = problems
        self.findings = findings
    }
}
