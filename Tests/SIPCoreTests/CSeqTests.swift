import Testing
@testable import SIPCore

/// `CSeq.parse` (RFC 3261 §20.16, §8.1.1.5).
@Suite struct CSeqTests {
    func cseq(_ s: String) throws -> CSeq { try CSeq.parse(ByteString(s)) }

    @Test func numberAndMethod() throws {
        #expect(try cseq("314159 INVITE") == CSeq(314159, .invite))
        #expect(try cseq("  1\r\n  ACK  ") == CSeq(1, .ack))
        #expect(try cseq("0 OPTIONS") == CSeq(0, .options))
        #expect(try cseq("0009 FOO").method == SIPMethod("FOO"))
        #expect(CSeq(7, .bye).description == "7 BYE")
    }

    @Test func numberMustBeBelowTwoToThe31() throws {
        #expect(try cseq("2147483647 BYE").sequenceNumber == 2_147_483_647)
        #expect(throws: SIPSyntaxError.self) { try cseq("2147483648 BYE") }
        #expect(throws: SIPSyntaxError.self) { try cseq("4294967296 BYE") }
        #expect(throws: SIPSyntaxError.self) { try cseq("99999999999999999999999 BYE") }
    }

    @Test(arguments: ["", "INVITE", "1", "1INVITE", "-1 INVITE", "1 INVITE extra", "1 INV/ITE", "1.5 INVITE", "1 \"INVITE\""])
    func malformedCSeqThrows(text: String) {
        #expect(throws: SIPSyntaxError.self) { try cseq(text) }
    }

    /// Regression: `1INVITE` was accepted as CSeq 1 INVITE; RFC 3261 §20.16 needs LWS between number and method.
    @Test func numberAndMethodMustBeSeparatedByWhiteSpace() throws {
        #expect(throws: SIPSyntaxError.self) { try cseq("1INVITE") }
        #expect(throws: SIPSyntaxError.self) { try cseq("12a INVITE") }
        #expect(try cseq("1\tINVITE") == CSeq(1, .invite))
    }

    @Test func messageAccessorIsNilForABadCSeq() throws {
        #expect(try SIPMessage(parsing: options()).cseq == CSeq(1, .options))
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "CSeq: 2147483648 OPTIONS", ""))
        #expect(m.cseq == nil)
    }
}
