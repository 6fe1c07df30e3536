import SIPCore
import Testing
@testable import SIPConformance

/// One transaction's responses checked against each other, as a transcript: one line a response.
@Suite struct TransactionResponseRuleTests {
    static func response(_ status: String, tag: String?, recordRoute: [String] = [], method: String = "INVITE") -> SIPMessage {
        let to = "<sip:b@127.0.0.1>" + (tag.map { ";tag=\($0)" } ?? "")
        let rr = recordRoute.map { "Record-Route: \($0)\r\n" }.joined()
        return try! SIPMessage(parsing: "SIP/2.0 \(status)\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
            + "From: <sip:a@127.0.0.1>;tag=a\r\nTo: \(to)\r\nCall-ID: c@127.0.0.1\r\nCSeq: 1 \(method)\r\n\(rr)Content-Length: 0\r\n\r\n")
    }

    @Test func copiesOfTheFinalAndForkedSuccessesAreNoFinding() {
        var m = TransactionResponseRules.Memory()
        #expect(m.check(Self.response("100 Trying", tag: nil), method: .invite) == nil)
        #expect(m.check(Self.response("180 Ringing", tag: "x"), method: .invite) == nil)
        #expect(m.check(Self.response("200 OK", tag: "x"), method: .invite) == nil)
        #expect(m.check(Self.response("200 OK", tag: "x"), method: .invite) == nil, "a retransmission")
        #expect(m.check(Self.response("200 OK", tag: "y"), method: .invite) == nil, "another fork's 2xx")
        var n = TransactionResponseRules.Memory()
        #expect(n.check(Self.response("486 Busy Here", tag: "x"), method: .invite) == nil)
        #expect(n.check(Self.response("200 OK", tag: "y"), method: .invite) == nil, "a fork's 2xx after the best non-2xx (§16.7)")
    }

    @Test func aSecondFinalFromOneUASIsAFinding() throws {
        var m = TransactionResponseRules.Memory()
        #expect(m.check(Self.response("486 Busy Here", tag: "x"), method: .invite) == nil)
        let second = m.check(Self.response("200 OK", tag: "x"), method: .invite)
        let f = try #require(second)
        #expect(f.rule.id == "rfc3261.17.2.1.one-final-response" && f.rule.scope == .transaction && f.severity == .error)
        #expect(f.message == "a 200 follows the 486 with the same To tag (To tag 'x'): one final response per transaction")
        var n = TransactionResponseRules.Memory()
        _ = n.check(Self.response("200 OK", tag: "x"), method: .invite)
        let decline = n.check(Self.response("603 Decline", tag: "y"), method: .invite)
        #expect(decline?.rule.id == "rfc3261.17.2.1.one-final-response",
                "no non-2xx final after a 2xx, from any fork")
    }

    @Test func aRecordRouteThatChangesInOneDialogIsAWarningWithBothValues() throws {
        var m = TransactionResponseRules.Memory()
        #expect(m.check(Self.response("180 Ringing", tag: "x", recordRoute: ["<sip:p1;lr>"]), method: .invite) == nil)
        #expect(m.check(Self.response("183 Session Progress", tag: "x", recordRoute: ["<sip:p1;lr>"]), method: .invite) == nil)
        #expect(m.check(Self.response("180 Ringing", tag: "y", recordRoute: ["<sip:p2;lr>"]), method: .invite) == nil, "another dialog")
        let changed = m.check(Self.response("200 OK", tag: "x", recordRoute: ["<sip:p9;lr>", "<sip:p1;lr>"]), method: .invite)
        let f = try #require(changed)
        #expect(f.rule.id == "rfc3261.12.1.1.record-route-stable" && f.severity == .warning)
        #expect(f.message == "the 200's Record-Route '<sip:p9;lr>, <sip:p1;lr>' is not the 180's '<sip:p1;lr>' in the same dialog (To tag 'x')")
        var n = TransactionResponseRules.Memory()
        _ = n.check(Self.response("200 OK", tag: "x", recordRoute: ["<sip:p1;lr>"], method: "BYE"), method: .bye)
        let copy = n.check(Self.response("200 OK", tag: "x", method: "BYE"), method: .bye)
        #expect(copy == nil, "only INVITE responses set a route")
    }
}
