import SIPCore
import Testing
@testable import SIPConformance

/// A response that matches none of the UAC's client transactions (RFC 3261 §17.1.3): the finding names the
/// transaction it came closest to and each field that differed, with both values.
@Suite struct MatchingRuleTests {
    static func response(via: String = "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1", cseq: String = "1 INVITE") throws -> SIPMessage {
        try SIPMessage(parsing: """
            SIP/2.0 200 OK\r
            Via: \(via)\r
            From: <sip:a@127.0.0.1>;tag=a\r
            To: <sip:b@127.0.0.1>;tag=b\r
            Call-ID: c@127.0.0.1\r
            CSeq: \(cseq)\r
            Content-Length: 0\r
            \r

            """)
    }

    static let invite = MatchingRules.Candidate(method: .invite, sequence: 1, branch: ByteString("z9hG4bK-1"))
    static let bye = MatchingRules.Candidate(method: .bye, sequence: 2, branch: ByteString("z9hG4bK-2"))

    @Test func aWrongBranchIsNamedWithBothValues() throws {
        let f = MatchingRules.unmatched(try Self.response(via: "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-9"),
                                        candidates: [Self.bye, Self.invite], sentBy: "127.0.0.1:5070")
        #expect(f.rule.id == "rfc3261.17.1.3.response-matches-transaction")
        #expect(f.rule.scope == .transaction)
        #expect(f.header == "Via")
        #expect(f.message == "the 200 (CSeq 1 INVITE) matches no transaction; closest is the INVITE (CSeq 1): branch 'z9hG4bK-9' is not 'z9hG4bK-1'")
    }

    @Test func aWrongCSeqMethodAndNumberAreNamed() throws {
        let f = MatchingRules.unmatched(try Self.response(cseq: "4 BYE"), candidates: [Self.bye, Self.invite],
                                        sentBy: "127.0.0.1:5070")
        #expect(f.header == "CSeq")
        #expect(f.message.hasSuffix("closest is the INVITE (CSeq 1): CSeq number 4 is not 1, CSeq method BYE is not INVITE"), "\(f.message)")
    }

    @Test func aWrongSentByIsNamed() throws {
        let f = MatchingRules.unmatched(try Self.response(via: "SIP/2.0/UDP 10.9.9.9:5070;branch=z9hG4bK-7"),
                                        candidates: [Self.invite], sentBy: "127.0.0.1:5070")
        #expect(f.message.contains("sent-by '10.9.9.9:5070' is not '127.0.0.1:5070'"), "\(f.message)")
    }

    @Test func aCallWithoutTransactionsSaysSo() throws {
        let f = MatchingRules.unmatched(try Self.response(), candidates: [], sentBy: "127.0.0.1:5070")
        #expect(f.message == "the 200 (CSeq 1 INVITE) matches no transaction: the call has none")
    }

    @Test func theRuleIsInTheCatalogue() {
        #expect(RuleCatalogue.rule(id: "rfc3261.17.1.3.response-matches-transaction")?.severity == .error)
    }
}
