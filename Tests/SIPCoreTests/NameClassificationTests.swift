import Testing
@testable import SIPCore

@Suite struct NameClassificationTests {
    @Test func everyHeaderNameClassifiesInAnyCase() {
        for name in HeaderName.allCases where name != .other {
            #expect(HeaderName.classify(name.canonicalName) == name, "\(name)")
            #expect(HeaderName.classify(name.canonicalName.uppercased()) == name, "\(name)")
            #expect(HeaderName.classify(name.canonicalName.lowercased()) == name, "\(name)")
            if let c = name.compactForm {
                #expect(HeaderName.classify(String(c)) == name, "\(name)")
                #expect(HeaderName.classify(String(c).uppercased()) == name, "\(name)")
            }
        }
        for other in ["", "X-Foo", "Vias", "Tx", "Call-IDs", "Contacts", "g", "Content-Lengt", "P-Asserted-Identit"] {
            #expect(HeaderName.classify(other) == .other, "\(other)")
        }
    }

    @Test func knownMethodsAreRecognisedCaseSensitively() {
        for m in SIPMethod.known {
            #expect(SIPMethod(bytes: Array(m.rawValue.utf8)) == m)
            #expect(SIPMethod(bytes: Array(m.rawValue.lowercased().utf8)).rawValue == m.rawValue.lowercased())
        }
        #expect(SIPMethod(bytes: Array("FOO".utf8)).rawValue == "FOO")
    }
}

extension NameClassificationTests {
    /// A CR where a name has '-' must not match: folding is applied to letters only.
    @Test func foldingAppliesToLettersOnly() {
        #expect(HeaderName.classify("Call\rID") == .other)
        #expect(HeaderName.classify("Content\rLength") == .other)
        #expect(HeaderName.classify("CONTENT-LENGTH") == .contentLength)
        #expect(HeaderName.classify("Content-Lengt@") == .other)
        #expect(HeaderName.classify("P-Asserted-Identity") == .pAssertedIdentity)
    }

    @Test func firstListElement() {
        #expect(HeaderList.first("a, b") == "a")
        #expect(HeaderList.first("\"x,y\" <sip:a>, b") == "\"x,y\" <sip:a>")
        #expect(HeaderList.first("SIP/2.0/UDP h;branch=z9hG4bK1") == "SIP/2.0/UDP h;branch=z9hG4bK1")
        #expect(HeaderList.first("") == "")
    }
}
