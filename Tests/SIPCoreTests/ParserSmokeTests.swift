import Testing
@testable import SIPCore

@Suite struct ParserSmokeTests {
    @Test func parsesAMinimalOptionsRequest() throws {
        let m = try SIPMessage(parsing: "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n")
        #expect(m.method == .options)
        #expect(m.topVia?.branch == "z9hG4bK1")
        #expect(m.callID == "x")
        #expect(m.issues.isEmpty)
    }
}
