import Testing
@testable import SIPCore

/// `SIPMethod` (RFC 3261 §7.1): case-sensitive tokens; known methods share a value.
@Suite struct SIPMethodTests {
    @Test func knownMethodsAreRecognisedFromBytes() {
        for method in SIPMethod.known {
            #expect(SIPMethod(bytes: Array(method.rawValue.utf8)) == method)
        }
        #expect(SIPMethod.known.count == Set(SIPMethod.known).count)
    }

    @Test func methodsAreCaseSensitive() throws {
        #expect(SIPMethod(bytes: Array("invite".utf8)) != .invite)
        let m = try SIPMessage(parsing: sip("invite sip:a@b SIP/2.0", "CSeq: 1 invite", ""))
        #expect(m.method?.rawValue == "invite")
        #expect(m.method == m.cseq?.method)
        #expect(m.method != .invite)
    }

    @Test func unknownMethodKeepsItsSpelling() {
        let m = SIPMethod(bytes: Array("NEWMETHOD".utf8))
        #expect(m.rawValue == "NEWMETHOD")
        #expect(m.description == "NEWMETHOD")
        #expect(m == "NEWMETHOD")
    }

    @Test func invitesSubscriptionsAndRefersCreateDialogs() {
        #expect(SIPMethod.known.filter(\.createsDialog) == [.invite, .subscribe, .refer])
        #expect(!SIPMethod("invite").createsDialog)
    }
}
