import Foundation
import SIPConformance
import SIPCore
import SIPTransaction

/// Judges one probe as a Nagios check would: CRITICAL when the target does not answer, answers with a code
/// outside `accept`, fails a header expectation, or is slower than `critical`; WARNING when the answer is accepted
/// but slower than `warn` or breaks a conformance rule of severity error; UNKNOWN when the name did not resolve.
public struct ProbeEvaluator: Sendable {
    public let policy: ProbePolicy
    let exchangeChecker = ExchangeChecker()
    let messageChecker = MessageChecker()

    public init(policy: ProbePolicy) { self.policy = policy }

    public func evaluate(_ o: ProbeObservation) -> ProbeResult {
        var critical: [String] = []
        var warning: [String] = []
        var findings: [Finding] = []
        switch o.outcome {
        case .unresolvable(let why):
            return ProbeResult(observation: o, status: .unknown, problems: ["cannot resolve \(o.target.host): \(why)"], findings: [])
        case .transportError(let why):
            return ProbeResult(observation: o, status: .critical, problems: [why], findings: [])
        case .portUnreachable:
            critical.append("port unreachable: \(o.address ?? o.target.uri) answered with ICMP port-unreachable")
        case .timeout:
            var why = "no final response within \(format(policy.timeout))"
            if o.retransmissions > 0 { why += " (\(o.retransmissions) retransmission\(o.retransmissions == 1 ? "" : "s"))" }
            if let last = o.provisional.last { why += ", last provisional \(last)" }
            if o.strayDatagrams > 0 { why += ", \(o.strayDatagrams) datagram\(o.strayDatagrams == 1 ? "" : "s") that did not answer the probe" }
            critical.append(why)
        case .answered(let code, let reason):
            if !policy.accept.accepts(code) {
                critical.append("\(code) \(reason) is not an accepted answer (accepted: \(policy.accept))")
            }
            if let response = o.response {
                for e in policy.expectations {
                    if let failure = e.failure(in: response) { critical.append(failure) }
                }
                if let request = o.request {
                    findings = exchangeChecker.check(response: response, to: request)
                }
                for f in messageChecker.check(response) where !findings.contains(f) { findings.append(f) }
            }
            if let rtt = o.rtt {
                if let c = policy.critical, rtt > c {
                    critical.append("answered in \(format(rtt)), above the critical threshold \(format(c))")
                } else if let w = policy.warn, rtt > w {
                    warning.append("answered in \(format(rtt)), above the warning threshold \(format(w))")
                }
            }
            let errors = findings.filter { $0.severity == .error }
            if !errors.isEmpty {
                let ids = errors.map(\.rule.id)
                warning.append("the answer breaks \(errors.count == 1 ? "a conformance rule" : "\(errors.count) conformance rules"): "
                               + ids.joined(separator: ", "))
            }
        }
        let status: MonitorStatus = !critical.isEmpty ? .critical : !warning.isEmpty ? .warning : .ok
        return ProbeResult(observation: o, status: status, problems: critical + warning, findings: findings)
    }
}

/// A duration for people: `812 µs`, `12.3 ms`, `1.50 s`.
public func format(_ d: Duration) -> String {
    let s = d.seconds
    if s < 0.001 { return "\(Int((s * 1_000_000).rounded())) µs" }
    if s < 1 { return String(format: "%.1f ms", s * 1_000) }
    return String(format: "%.2f s", s)
}
