import SIPCore
import Testing
@testable import SIPMonitor

@Suite struct ProbeRequestTests {
    let identity = ProbeRequestTemplate.Identity(branch: "z9hG4bK-test", callID: "abc@sipflow-ping", fromTag: "f00d")

    @Test func anOptionsProbeCarriesEveryMandatoryHeader() throws {
        let target = try ProbeTarget(parsing: "sip:127.0.0.1:5060")
        let r = try ProbeRequestTemplate().request(for: target, localHost: "127.0.0.1", localPort: 40000, identity: identity)
        #expect(r.method == .options)
        #expect(r.requestURI == "sip:127.0.0.1:5060")
        #expect(r.topVia?.branch == "z9hG4bK-test")
        #expect(r.topVia?.sentBy == "127.0.0.1:40000")
        #expect(r.from?.tag == "f00d")
        #expect(r.to?.tag == nil)
        #expect(r.to?.uri == "sip:127.0.0.1:5060")
        #expect(r.callID == "abc@sipflow-ping")
        #expect(r.cseq?.method == .options)
        #expect(r.maxForwards == 70)
    }

    @Test func aRegisterProbeGoesToTheDomainAndQueriesBindingsWithoutAContact() throws {
        let target = try ProbeTarget(parsing: "sip:alice@registrar.test:5070")
        let t = ProbeRequestTemplate(method: .register, to: "<sip:alice@registrar.test>")
        let r = try t.request(for: target, localHost: "::1", localPort: 40000, identity: identity)
        #expect(r.requestURI == "sip:registrar.test:5070")
        #expect(r.to?.uri == "sip:alice@registrar.test")
        #expect(r.cseq?.method == .register)
        #expect(!r.contains(.contact))
        #expect(r.topVia?.sentBy == "[::1]:40000")
    }

    @Test func headersReplaceDefaultsOrAreAdded() throws {
        let target = try ProbeTarget(parsing: "sip:127.0.0.1")
        let t = ProbeRequestTemplate(from: "\"LB\" <sip:monitor@lb.test>",
                                     headers: [("User-Agent", "F5-monitor"), ("X-Probe", "1"), ("Max-Forwards", "1")])
        let r = try t.request(for: target, localHost: "127.0.0.1", localPort: 1, identity: identity)
        #expect(r.fields(named: "User-Agent").count == 1)
        #expect(r.firstValue(.userAgent) == "F5-monitor")
        #expect(r.fields(named: "X-Probe").count == 1)
        #expect(r.maxForwards == 1)
        #expect(r.from?.uri == "sip:monitor@lb.test" && r.from?.tag == "f00d")
    }

    @Test func everyProbeHasItsOwnBranchAndCallID() {
        let ids = (0..<100).map { _ in ProbeRequestTemplate.Identity.random() }
        #expect(Set(ids.map(\.branch)).count == 100)
        #expect(Set(ids.map(\.callID)).count == 100)
        #expect(ids.allSatisfy { $0.branch.hasPrefix("z9hG4bK") })
    }
}
