import Testing
@testable import SIPCore

/// `SIPURI.parse` (RFC 3261 §19.1, §25.1; tel: RFC 3966).
@Suite struct SIPURITests {
    func uri(_ s: String) throws -> SIPURI { try SIPURI.parse(ByteString(s)) }

    @Test func fullSIPURI() throws {
        let u = try uri("sip:alice:secretword@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent")
        #expect(u.isSIP && !u.isSIPS && !u.isTel)
        #expect(u.scheme == "sip")
        #expect(u.user == "alice")
        #expect(u.password == "secretword")
        #expect(u.host == "atlanta.com")
        #expect(u.port == 5061)
        #expect(u.parameters == [SIPParameter(name: "transport", value: "tcp"), SIPParameter(name: "lr", value: nil)])
        #expect(u.parameter("TRANSPORT") == "tcp")
        #expect(u.parameter("lr") == "")
        #expect(u.parameter("maddr") == nil)
        #expect(u.headers == [SIPParameter(name: "subject", value: "project%20x"), SIPParameter(name: "priority", value: "urgent")])
        #expect(u.opaque == nil)
        #expect(u.description == "sip:alice:secretword@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent")
    }

    @Test func sipsAndSchemeCase() throws {
        let u = try uri("SIPS:bob@biloxi.example.com")
        #expect(u.isSIPS && u.isSIP)
        #expect(u.user == "bob" && u.host == "biloxi.example.com" && u.port == nil)
    }

    @Test func hostOnlyIPv4AndIPv6() throws {
        #expect(try uri("sip:example.com").user == nil)
        #expect(try uri("sip:example.com.").host == "example.com.")
        let v4 = try uri("sip:192.0.2.4:5060")
        #expect(v4.host == "192.0.2.4" && v4.port == 5060)
        let v6 = try uri("sip:alice@[2001:db8::1]:5070;maddr=[2001:db8::2]")
        #expect(v6.host == "[2001:db8::1]")
        #expect(v6.port == 5070)
        #expect(v6.parameter("maddr") == "[2001:db8::2]")
        #expect(try uri("sip:[::ffff:192.0.2.1]").host == "[::ffff:192.0.2.1]")
    }

    @Test(arguments: ["sip:a@[2001:db8::1", "sip:a@[]", "sip:a@[2001:db8::g]", "sip:a@[v6]"])
    func badIPv6ReferenceIsRejected(text: String) {
        #expect(throws: SIPSyntaxError.self) { try uri(text) }
    }

    @Test func portRange() throws {
        #expect(try uri("sip:h:0").port == 0)
        #expect(try uri("sip:h:65535").port == 65535)
        #expect(throws: SIPSyntaxError.self) { try uri("sip:h:65536") }
        #expect(throws: SIPSyntaxError.self) { try uri("sip:h:99999999999999999999") }
        #expect(throws: SIPSyntaxError.self) { try uri("sip:h:") }
        #expect(throws: SIPSyntaxError.self) { try uri("sip:h:5x") }
    }

    @Test func parametersWithAndWithoutValues() throws {
        let u = try uri("sip:h;lr;ttl=15;user=phone;x=")
        #expect(u.parameters.map(\.name.string) == ["lr", "ttl", "user", "x"])
        #expect(u.parameters.map { $0.value?.string } == [nil, "15", "phone", ""])
        #expect(throws: SIPSyntaxError.self) { try uri("sip:h;") }
        #expect(throws: SIPSyntaxError.self) { try uri("sip:h;;lr") }
        #expect(throws: SIPSyntaxError.self) { try uri("sip:h;=v") }
    }

    @Test func headersMustBeNameValuePairs() throws {
        #expect(try uri("sip:h?a=b&c=d").headers.map(\.name.string) == ["a", "c"])
        #expect(try uri("sip:h?a=").headers.first?.value == "")
        for bad in ["sip:h?", "sip:h?a", "sip:h?=b", "sip:h?a=b&", "sip:h?a=b&&c=d"] {
            #expect(throws: SIPSyntaxError.self, "\(bad)") { try uri(bad) }
        }
    }

    @Test func percentEscapes() throws {
        #expect(try uri("sip:%61lice@atlanta.com").user == "%61lice")
        #expect(try uri("sip:null-%00-null@example.com").user == "null-%00-null")
        #expect(try uri("sip:user@h;n%61me=v%61lue").parameter("n%61me") == "v%61lue")
        for bad in ["sip:%zz@h", "sip:a%4@h", "sip:a%@h", "sip:u:p%x1@h", "sip:h;a=%g0", "sip:h?a=%"] {
            #expect(throws: SIPSyntaxError.self, "\(bad)") { try uri(bad) }
        }
    }

    @Test func whiteSpaceIsRejected() {
        for bad in ["sip:a b@h", "sip:a@h ", " sip:a@h", "sip:a@h;p=\tx", "tel:+1 555", "sip:a@h\r\n"] {
            #expect(throws: SIPSyntaxError.self, "\(bad)") { try uri(bad) }
        }
    }

    /// RFC 4475 §3.1.1.3 (intmeth): a user part full of reserved and unreserved marks, and a password.
    @Test func reservedCharactersInTheUserPart() throws {
        let u = try uri("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com")
        #expect(u.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(u.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(u.host == "example.com")
        #expect(u.parameters.isEmpty && u.headers.isEmpty)
    }

    @Test func characterThatMustBeEscapedInTheUserPartIsRejected() {
        for bad in ["sip:a\"b@h", "sip:a<b@h", "sip:a[b@h", "sip:a#b@h"] {
            #expect(throws: SIPSyntaxError.self, "\(bad)") { try uri(bad) }
        }
    }

    @Test func userAndHostAreRequiredWhereTheGrammarSaysSo() {
        for bad in ["sip:", "sip:@h", "sip:a@", "sip:a@;lr", "sip:-bad-.com", "sip:a..b", "sip:h_x.com", "sip:h/x"] {
            #expect(throws: SIPSyntaxError.self, "\(bad)") { try uri(bad) }
        }
    }

    @Test func telURI() throws {
        let u = try uri("tel:+1-201-555-0123;phone-context=example.com")
        #expect(u.isTel && !u.isSIP)
        #expect(u.opaque == "+1-201-555-0123")
        #expect(u.parameter("phone-context") == "example.com")
        #expect(u.host == nil && u.user == nil)
        #expect(throws: SIPSyntaxError.self) { try uri("tel:") }
        #expect(throws: SIPSyntaxError.self) { try uri("tel:;x=1") }
    }

    @Test func otherSchemesKeepTheRestOpaque() throws {
        let u = try uri("soap.beep://192.0.2.103:3002")
        #expect(u.scheme == "soap.beep")
        #expect(u.opaque == "//192.0.2.103:3002")
        #expect(!u.isSIP && !u.isTel)
        #expect(try uri("urn:service:sos").opaque == "service:sos")
        #expect(throws: SIPSyntaxError.self) { try uri("http:") }
        #expect(throws: SIPSyntaxError.self) { try uri("mailto:<a@b>") }
    }

    @Test func schemeIsRequiredAndWellFormed() {
        for bad in ["", "alice@example.com", ":foo", "1sip:a@b", "s_p:a@b", "<sip:a@b>"] {
            #expect(throws: SIPSyntaxError.self, "\(bad)") { try uri(bad) }
        }
    }
}
