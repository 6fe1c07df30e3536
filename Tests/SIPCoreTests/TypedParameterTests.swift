import Testing
@testable import SIPCore

/// Parsed Via and NameAddress keep their parameter bytes and decode them on demand; these check that what a
/// reader sees is what a built value holds.
@Suite struct TypedParameterTests {
    @Test func parsedViaEqualsBuiltVia() throws {
        let parsed = try Via.parse("SIP/2.0/UDP h.example.com:5060 ; BRANCH = z9hG4bK1 ;rport;branch=x;received=1.2.3.4")
        let built = Via(protocolName: "SIP", protocolVersion: "2.0", transport: "UDP", host: "h.example.com",
                        port: 5060, parameters: [SIPParameter(name: "BRANCH", value: "z9hG4bK1"),
                                                 SIPParameter(name: "rport", value: nil),
                                                 SIPParameter(name: "branch", value: "x"),
                                                 SIPParameter(name: "received", value: "1.2.3.4")])
        #expect(parsed == built)
        #expect(parsed.hashValue == built.hashValue)
        #expect(parsed.parameters == built.parameters)
        #expect(parsed.branch == "z9hG4bK1" && built.branch == "z9hG4bK1")
        #expect(parsed.rport == .some(nil) && built.rport == .some(nil))
        #expect(parsed.received == "1.2.3.4" && parsed.parameter(named: "Received")?.value == "1.2.3.4")
        #expect(parsed.maddr == nil)
    }

    @Test func parsedAddressEqualsBuiltAddress() throws {
        let parsed = try NameAddress.parse("\"A\" <sip:a@example.com>;Tag=1;tag=2;expires=5")
        let built = NameAddress(displayName: "\"A\"", uri: "sip:a@example.com", isBracketed: true,
                                parameters: [SIPParameter(name: "Tag", value: "1"), SIPParameter(name: "tag", value: "2"),
                                             SIPParameter(name: "expires", value: "5")], isWildcard: false)
        #expect(parsed == built)
        #expect(parsed.hashValue == built.hashValue)
        #expect(parsed.tag == "1" && built.tag == "1")
        #expect(parsed.parameter(named: "EXPIRES")?.value == "5")
        #expect(try NameAddress.parse("<sip:a@example.com>;tag").tag == nil)
        #expect(try NameAddress.parse("<sip:a@example.com>").parameters.isEmpty)
    }

    @Test func malformedParametersStillThrow() {
        #expect(throws: SIPSyntaxError.self) { try Via.parse("SIP/2.0/UDP h;;branch=1") }
        #expect(throws: SIPSyntaxError.self) { try Via.parse("SIP/2.0/UDP h;branch=") }
        #expect(throws: SIPSyntaxError.self) { try NameAddress.parse("<sip:a@b>;tag=\"x") }
    }
}

extension TypedParameterTests {
    @Test func addressForms() throws {
        let quoted = try NameAddress.parse("\"A \\\"B\\\"\" <sip:a@example.com>;tag=9")
        #expect(quoted.displayName == "\"A \\\"B\\\"\"" && quoted.uri == "sip:a@example.com" && quoted.tag == "9")
        let tokens = try NameAddress.parse("Alice  Smith <sip:a@example.com>")
        #expect(tokens.displayName == "Alice  Smith" && tokens.isBracketed)
        let spec = try NameAddress.parse("sip:a@example.com;tag=1")
        #expect(spec.displayName == nil && spec.uri == "sip:a@example.com" && !spec.isBracketed && spec.tag == "1")
        #expect(throws: SIPSyntaxError.self) { try NameAddress.parse("<sip:a@example.com") }
        #expect(throws: SIPSyntaxError.self) { try NameAddress.parse("< sip:a@example.com>") }
        #expect(throws: SIPSyntaxError.self) { try NameAddress.parse("sip:a@example.com?x=1") }
        #expect(throws: SIPSyntaxError.self) { try NameAddress.parse("A@B <sip:a@example.com>") }
        #expect(throws: SIPSyntaxError.self) { try NameAddress.parse("\"A\" sip:a@example.com") }
        #expect(throws: SIPSyntaxError.self) { try NameAddress.parse("<>") }
    }
}
