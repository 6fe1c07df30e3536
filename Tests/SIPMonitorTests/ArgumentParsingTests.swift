import SIPCore
import Testing
@testable import SIPMonitor

@Suite struct AcceptedCodesTests {
    @Test func codesAndClassesMix() throws {
        let a = try AcceptedCodes(parsing: "200,401,2xx")
        #expect(a.elements == [.code(200), .code(401), .codeClass(2)])
        #expect(a.accepts(200) && a.accepts(202) && a.accepts(401))
        #expect(!a.accepts(403) && !a.accepts(503) && !a.accepts(180))
        #expect(a.description == "200,401,2xx")
    }

    @Test func theDefaultIsOnly200() {
        #expect(AcceptedCodes.default.accepts(200))
        #expect(!AcceptedCodes.default.accepts(202))
    }

    @Test func spacesAndUpperCaseAreFine() throws {
        #expect(try AcceptedCodes(parsing: " 200 , 4XX").elements == [.code(200), .codeClass(4)])
    }

    @Test(arguments: ["", "20", "2000", "700", "099", "7xx", "ok", "200,,401", "2x"])
    func badListsAreRejectedWithASentence(_ text: String) {
        #expect(throws: PingArgumentError.self) { try AcceptedCodes(parsing: text) }
    }
}

@Suite struct HeaderExpectationTests {
    static let answer = try! SIPMessage.response(200, reason: "OK", headers: [
        ("Via", "SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1"), ("Server", "kamailio (5.6.3 (x86_64/linux))"),
        ("Allow", "INVITE, ACK"),
    ])

    @Test func theFourForms() throws {
        #expect(try HeaderExpectation(parsing: "Server~kamailio") == .init(header: "Server", test: .contains("kamailio")))
        #expect(try HeaderExpectation(parsing: "Allow=INVITE, ACK") == .init(header: "Allow", test: .equals("INVITE, ACK")))
        #expect(try HeaderExpectation(parsing: "Supported") == .init(header: "Supported", test: .present))
        #expect(try HeaderExpectation(parsing: "!Warning") == .init(header: "Warning", test: .absent))
    }

    @Test func checksAgainstAnAnswer() throws {
        #expect(try HeaderExpectation(parsing: "Server~KAMAILIO").failure(in: Self.answer) == nil)
        #expect(try HeaderExpectation(parsing: "server~kamailio").failure(in: Self.answer) == nil, "names are case-insensitive")
        #expect(try HeaderExpectation(parsing: "Server~asterisk").failure(in: Self.answer)
                == "Server is 'kamailio (5.6.3 (x86_64/linux))', which does not contain 'asterisk'")
        #expect(try HeaderExpectation(parsing: "User-Agent").failure(in: Self.answer) == "the answer has no User-Agent header")
        #expect(try HeaderExpectation(parsing: "!Server").failure(in: Self.answer) != nil)
        #expect(try HeaderExpectation(parsing: "!Warning").failure(in: Self.answer) == nil)
    }

    @Test(arguments: ["", "~kamailio", "Server~", "Ser ver~x", "!"])
    func badExpectationsAreRejected(_ text: String) {
        #expect(throws: PingArgumentError.self) { try HeaderExpectation(parsing: text) }
    }
}

@Suite struct ProbeTargetTests {
    @Test func urisWithAndWithoutPortsSchemesAndTransports() throws {
        let a = try ProbeTarget(parsing: "sip:10.0.0.5:5060")
        #expect(a.host == "10.0.0.5" && a.port == 5060 && a.transport == .udp && a.isNumeric)
        let b = try ProbeTarget(parsing: "proxy.example.com")
        #expect(b.uri == "sip:proxy.example.com" && b.port == nil && !b.isNumeric)
        let c = try ProbeTarget(parsing: "sip:[::1]:5070;transport=tcp")
        #expect(c.host == "::1" && c.uriHost == "[::1]" && c.port == 5070 && c.transport == .tcp && c.isNumeric)
        #expect(try ProbeTarget(parsing: "sips:lb1").transport == .tls)
    }

    @Test(arguments: ["", "sip:", "sip:host:70000", "sip:host;transport=sctp", "sip:a b"])
    func badTargetsAreRejected(_ text: String) {
        #expect(throws: PingArgumentError.self) { try ProbeTarget(parsing: text) }
    }
}
