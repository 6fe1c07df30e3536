import Foundation
import SIPConformance
import SIPCore
import Testing
@testable import SIPMonitor

@Suite struct CheckReportTests {
    static let target = try! ProbeTarget(parsing: "sip:10.0.0.5:5060")
    static let rule = Rule("test.to-tag", .error, "RFC 3261 §8.2.6.2", "a final response carries a To tag", scope: .exchange)

    static func result(_ status: MonitorStatus, _ outcome: ProbeOutcome, rtt: Duration?, problems: [String] = [],
                       findings: [Finding] = [], target: ProbeTarget = target) -> ProbeResult {
        ProbeResult(observation: ProbeObservation(target: target, address: "10.0.0.5:5060", outcome: outcome, rtt: rtt),
                    status: status, problems: problems, findings: findings)
    }

    @Test func anOKCheckIsOneLineWithPerfdata() {
        let report = CheckReport(results: [Self.result(.ok, .answered(code: 200, reason: "OK"), rtt: .microseconds(1234))],
                                 policy: .init(warn: .milliseconds(500), critical: .seconds(1)))
        #expect(report.nagios() == "SIP OK - sip:10.0.0.5:5060: 200 OK in 1.2 ms | rtt=0.001234s;0.500000;1.000000;0\n")
        #expect(report.status == .ok)
    }

    @Test func withoutThresholdsTheirFieldsStayEmptyAndATimeoutHasNoValue() {
        let report = CheckReport(results: [Self.result(.critical, .timeout, rtt: nil, problems: ["no final response within 5.00 s"])],
                                 policy: .init())
        #expect(report.nagios() == "SIP CRITICAL - sip:10.0.0.5:5060: no answer within 5.00 s | rtt=U;;;0\nno final response within 5.00 s\n")
    }

    @Test func findingsFollowTheStatusLineAsLongOutput() {
        let f = Finding(Self.rule, header: "To", "the 200 response has no To tag")
        let r = Self.result(.warning, .answered(code: 200, reason: "OK"), rtt: .milliseconds(3),
                            problems: ["the answer breaks a conformance rule: test.to-tag"], findings: [f])
        let lines = CheckReport(results: [r], policy: .init()).nagios().split(separator: "\n")
        #expect(lines == [
            "SIP WARNING - sip:10.0.0.5:5060: 200 OK in 3.0 ms (the answer breaks a conformance rule: test.to-tag) | rtt=0.003000s;;;0",
            "the answer breaks a conformance rule: test.to-tag",
            "error test.to-tag (RFC 3261 §8.2.6.2) To: the 200 response has no To tag",
        ])
    }

    @Test func severalTargetsTakeTheWorstStatusAndLabelTheirPerfdata() throws {
        let b = try ProbeTarget(parsing: "sip:lb2")
        let report = CheckReport(results: [
            Self.result(.ok, .answered(code: 200, reason: "OK"), rtt: .milliseconds(1)),
            Self.result(.critical, .portUnreachable, rtt: .microseconds(80), problems: ["port unreachable"], target: b),
        ], policy: .init())
        #expect(report.status == .critical)
        let first = report.nagios().split(separator: "\n")[0]
        #expect(first == "SIP CRITICAL - 1/2 targets answered; sip:lb2: port unreachable (ICMP) | 'rtt sip:10.0.0.5:5060'=0.001000s;;;0 'rtt sip:lb2'=0.000080s;;;0")
    }

    @Test func worstOrdersCriticalAboveUnknownAboveWarning() {
        #expect(MonitorStatus.worst(.warning, .unknown) == .unknown)
        #expect(MonitorStatus.worst(.critical, .unknown) == .critical)
        #expect(MonitorStatus.worst(.ok, .warning) == .warning)
    }

    @Test func jsonCarriesStatusExitCodeAndEachTarget() throws {
        let f = Finding(Self.rule, header: "To", "the 200 response has no To tag")
        let report = CheckReport(results: [Self.result(.warning, .answered(code: 200, reason: "OK"), rtt: .milliseconds(3),
                                                       problems: ["p"], findings: [f])], policy: .init())
        let object = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
        #expect(object["schemaVersion"] as? Int == 1)
        #expect(object["status"] as? String == "WARNING")
        #expect(object["exitCode"] as? Int == 1)
        let t = (object["targets"] as! [[String: Any]])[0]
        #expect(t["target"] as? String == "sip:10.0.0.5:5060")
        #expect(t["statusCode"] as? Int == 200)
        #expect(t["outcome"] as? String == "answered")
        #expect(abs((t["rttSeconds"] as? Double ?? 0) - 0.003) < 1e-9)
        #expect((t["findings"] as! [[String: Any]])[0]["rule"] as? String == "test.to-tag")
    }
}
