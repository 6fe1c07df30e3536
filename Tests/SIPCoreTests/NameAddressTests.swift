import Testing
@testable import SIPCore

/// `NameAddress.parse`: name-addr and addr-spec with header parameters (RFC 3261 §20.10, §20.20, §25.1).
@Suite struct NameAddressTests {
    func addr(_ s: String) throws -> NameAddress { try NameAddress.parse(ByteString(s)) }

    @Test func quotedDisplayNameWithEscapes() throws {
        let a = try addr("\"Alice \\\"the\\\" \\\\Great\" <sip:alice@atlanta.com>;tag=1928301774")
        #expect(a.displayName == "\"Alice \\\"the\\\" \\\\Great\"")
        #expect(a.unquotedDisplayName == "Alice \"the\" \\Great")
        #expect(a.uri == "sip:alice@atlanta.com")
        #expect(a.isBracketed)
        #expect(a.tag == "1928301774")
        #expect(!a.isWildcard)
        #expect(try a.parsedURI().user == "alice")
    }

    @Test func emptyQuotedDisplayName() throws {
        let a = try addr("\"\" <tel:+12015550123>;tag=x")
        #expect(a.displayName == "\"\"")
        #expect(a.unquotedDisplayName == "")
        #expect(try a.parsedURI().isTel)
    }

    @Test func unquotedTokenDisplayNameKeepsInnerSpaces() throws {
        let a = try addr("Bob  B. Biloxi <sip:bob@biloxi.com>")
        #expect(a.displayName == "Bob  B. Biloxi")
        #expect(a.unquotedDisplayName == "Bob  B. Biloxi")
        #expect(a.uri == "sip:bob@biloxi.com")
    }

    @Test func noSpaceBeforeTheAngleBracket() throws {
        #expect(try addr("\"Quoted\"<sip:q@h>").unquotedDisplayName == "Quoted")
        #expect(try addr("Token<sip:t@h>").displayName == "Token")
        #expect(try addr("<sip:a@h>").displayName == nil)
    }

    @Test func unquotedDisplayNameWithSeparatorsMustBeQuoted() {
        #expect(throws: SIPSyntaxError.self) { try addr("Doe, John <sip:j@d>") }
        #expect(throws: SIPSyntaxError.self) { try addr("a@b <sip:j@d>") }
    }

    @Test func addrSpecParametersBelongToTheHeader() throws {
        let a = try addr("sip:a@b;tag=1;x=y")
        #expect(a.uri == "sip:a@b")
        #expect(!a.isBracketed)
        #expect(a.displayName == nil)
        #expect(a.tag == "1")
        #expect(a.parameters.count == 2)
        #expect(try a.parsedURI().parameters.isEmpty)
    }

    @Test func bracketedURIKeepsItsOwnParameters() throws {
        let a = try addr("<sip:p1.example.com;lr>;tag=2")
        #expect(a.uri == "sip:p1.example.com;lr")
        #expect(try a.parsedURI().parameter("lr") == "")
        #expect(a.parameters == [SIPParameter(name: "tag", value: "2")])
    }

    @Test func headerParametersAllowSpacesAndQuotedValues() throws {
        let a = try addr("<sip:a@b> ; tag = 9 ; x=\"q;v\" ; flag")
        #expect(a.tag == "9")
        #expect(a.parameters.value(named: "x") == "\"q;v\"")
        #expect(a.parameters.value(named: "flag") == "")
    }

    @Test func wildcardContact() throws {
        let a = try addr("*")
        #expect(a.isWildcard)
        #expect(a.uri == "*")
        #expect(try addr(" * ").isWildcard)
        #expect(throws: SIPSyntaxError.self) { try addr("* <sip:a@b>") }
    }

    @Test(arguments: [
        "",                              // empty
        "\"Unterminated <sip:a@b>",      // quote never closes
        "\"Name\" sip:a@b",              // quoted name not followed by <
        "<sip:a@b",                      // < never closes
        "< sip:a@b>", "<sip:a@b >",      // LWS inside <>
        "<>",                            // no URI
        "sip:a@b?subject=x",             // ? in addr-spec must be bracketed
        "<sip:a@b>;",                    // empty parameter
        "<sip:a@b>;tag=",                // = without value
        "<sip:a@b>;tag=\"open",          // unterminated quoted value
        "<sip:a@b> junk",                // trailing text
        "<sip:a@b><sip:c@d>",            // two URIs
    ])
    func malformedAddressThrows(text: String) {
        #expect(throws: SIPSyntaxError.self) { try addr(text) }
    }

    @Test func tagIsCaseInsensitiveByName() throws {
        #expect(try addr("<sip:a@b>;TAG=abc").tag == "abc")
        #expect(try addr("<sip:a@b>;tags=abc").tag == nil)
        #expect(try addr("<sip:a@b>;tag").tag == nil)
    }

    @Test func fromAndToOfAMessage() throws {
        let m = try SIPMessage(parsing: Fixtures.message("invite.sip"))
        let from = try #require(m.from)
        let to = try #require(m.to)
        #expect(from.unquotedDisplayName == "Alice")
        #expect(from.tag == "1928301774")
        #expect(to.displayName == "Bob")
        #expect(to.tag == nil)
        #expect(try m.parseAddresses(.recordRoute).map(\.uri.string) == ["sip:p1.example.com;lr", "sip:p2.example.com;lr"])
        #expect(try m.parseContacts().first?.parsedURI().host == "pc33.atlanta.example.com")
    }

    @Test func parseAddressesThrowsOnTheFirstBadValue() throws {
        let m = try SIPMessage(parsing: options("Route: <sip:ok@h>, <sip:bad@h"))
        #expect(throws: SIPSyntaxError.self) { try m.parseAddresses(.route) }
        #expect(m.values(.route).count == 2)
    }
}
