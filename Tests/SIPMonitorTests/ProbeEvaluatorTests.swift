import SIPConformance
import SIPCore
import Testing
@testable import SIPMonitor

/// A probe and its answers, built in memory, judged as a Nagios check would.
@Suite struct ProbeEvaluatorTests {
    static let target = try! ProbeTarget(parsing: "sip:127.0.0.1:5060")
    static let identity = ProbeRequestTemplate.Identity(branch: "z9hG4bK-eval", callID: "eval@sipflow-ping", fromTag: "aa")
    static let request = try! ProbeRequestTemplate().request(for: target, localHost: "127.0.0.1", localPort: 40000, identity: identity)

    static func answer(_ code: Int, _ reason: String, toTag: String? = "srv1", extra: [(String, String)] = []) -> SIPMessage {
        try! SIPMessage.response(to: request, statusCode: code, reason: reason, toTag: toTag, extraHeaders: extra)
    }

    static func observe(_ response: SIPMessage?, _ outcome: ProbeOutcome, rtt: Duration? = .milliseconds(2)) -> ProbeObservation {
        ProbeObservation(target: target, address: "127.0.0.1:5060", request: request, response: response, outcome: outcome, rtt: rtt)
    }

    @Test func a200InTimeIsOK() {
        let r = ProbeEvaluator(policy: .init(warn: .milliseconds(100))).evaluate(Self.observe(Self.answer(200, "OK"), .answered(code: 200, reason: "OK")))
        #expect(r.status == .ok && r.problems.isEmpty && r.isAlive)
    }

    @Test func aSlow200IsWarningAndAVerySlowOneCritical() {
        let policy = ProbePolicy(warn: .milliseconds(100), critical: .milliseconds(500))
        let slow = ProbeEvaluator(policy: policy).evaluate(Self.observe(Self.answer(200, "OK"), .answered(code: 200, reason: "OK"), rtt: .milliseconds(300)))
        #expect(slow.status == .warning && slow.isAlive)
        #expect(slow.problems == ["answered in 300.0 ms, above the warning threshold 100.0 ms"])
        let slower = ProbeEvaluator(policy: policy).evaluate(Self.observe(Self.answer(200, "OK"), .answered(code: 200, reason: "OK"), rtt: .milliseconds(700)))
        #expect(slower.status == .critical && !slower.isAlive)
    }

    @Test func a503IsCriticalUnlessAccepted() {
        let o = Self.observe(Self.answer(503, "Service Unavailable"), .answered(code: 503, reason: "Service Unavailable"))
        let r = ProbeEvaluator(policy: .init()).evaluate(o)
        #expect(r.status == .critical)
        #expect(r.problems == ["503 Service Unavailable is not an accepted answer (accepted: 200)"])
        #expect(ProbeEvaluator(policy: .init(accept: try! AcceptedCodes(parsing: "2xx,5xx"))).evaluate(o).status == .ok)
    }

    @Test func timeoutAndPortUnreachableAreCriticalAndAnUnresolvableNameUnknown() {
        var t = Self.observe(nil, .timeout, rtt: nil)
        t.retransmissions = 3
        let timeout = ProbeEvaluator(policy: .init()).evaluate(t)
        #expect(timeout.status == .critical)
        #expect(timeout.problems == ["no final response within 5.00 s (3 retransmissions)"])
        #expect(ProbeEvaluator(policy: .init()).evaluate(Self.observe(nil, .portUnreachable)).status == .critical)
        #expect(ProbeEvaluator(policy: .init()).evaluate(Self.observe(nil, .unresolvable("Name or service not known"))).status == .unknown)
    }

    @Test func aFailedHeaderExpectationIsCritical() throws {
        let policy = ProbePolicy(expectations: [try HeaderExpectation(parsing: "Server~kamailio")])
        let ok = Self.answer(200, "OK", extra: [("Server", "kamailio (5.6)")])
        let other = Self.answer(200, "OK", extra: [("Server", "Asterisk PBX")])
        #expect(ProbeEvaluator(policy: policy).evaluate(Self.observe(ok, .answered(code: 200, reason: "OK"))).status == .ok)
        let r = ProbeEvaluator(policy: policy).evaluate(Self.observe(other, .answered(code: 200, reason: "OK")))
        #expect(r.status == .critical)
        #expect(r.problems == ["Server is 'Asterisk PBX', which does not contain 'kamailio'"])
    }
}
