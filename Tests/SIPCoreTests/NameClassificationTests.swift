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
