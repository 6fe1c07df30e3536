import Testing
@testable import SIPCore

/// `Via.parse` (RFC 3261 §20.42, §18.2.1; rport RFC 3581).
@Suite struct ViaTests {
    func via(_ s: String) throws -> Via { try Via.parse(ByteString(s)) }

    @Test func plainVia() throws {
        let v = try via("SIP/2.0/UDP pc33.atlanta.com:5060;branch=z9hG4bK776asdhds")
        #expect(v.protocolName == "SIP" && v.protocolVersion == "2.0" && v.transport == "UDP")
        #expect(v.host == "pc33.atlanta.com")
        #expect(v.port == 5060)
        #expect(v.sentBy == "pc33.atlanta.com:5060")
        #expect(v.branch == "z9hG4bK776asdhds")
        #expect(v.hasMagicCookie)
        #expect(v.received == nil && v.rport == nil && v.maddr == nil && v.ttl == nil)
    }

    @Test func spacedAroundEverySeparator() throws {
        let v = try via("SIP / 2.0 / UDP host ; branch = z9hG4bK1")
        #expect(v.transport == "UDP")
        #expect(v.host == "host")
        #expect(v.port == nil)
        #expect(v.sentBy == "host")
        #expect(v.branch == "z9hG4bK1")
    }

    @Test func foldedViaInAMessage() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0",
                                            "Via  : SIP  /   2.0", " /UDP", "    192.0.2.2;branch=390skdjuw", ""))
        let v = try #require(m.topVia)
        #expect(v.protocolVersion == "2.0" && v.transport == "UDP")
        #expect(v.host == "192.0.2.2")
        #expect(v.branch == "390skdjuw")
        #expect(!v.hasMagicCookie)
    }

    @Test func ipv6SentByAndPort() throws {
        let v = try via("SIP/2.0/TCP [2001:db8::9:1]:5061 ;branch=z9hG4bKx")
        #expect(v.host == "[2001:db8::9:1]")
        #expect(v.port == 5061)
        #expect(v.sentBy == "[2001:db8::9:1]:5061")
        let spaced = try via("SIP/2.0/UDP host : 5062")
        #expect(spaced.port == 5062)
    }

    /// Regression: anything between `[` and `]` was taken as the sent-by host, even `[not an address]` or `[]`.
    @Test func ipv6ReferenceIsValidated() throws {
        #expect(try via("SIP/2.0/UDP [::ffff:192.0.2.1]").host == "[::ffff:192.0.2.1]")
        for bad in ["SIP/2.0/UDP [not an address];branch=z9hG4bK1", "SIP/2.0/UDP []", "SIP/2.0/UDP [2001:db8::1;x=]"] {
            #expect(throws: SIPSyntaxError.self, "\(bad)") { try via(bad) }
        }
    }

    @Test func receivedRportMaddrTtl() throws {
        let v = try via("SIP/2.0/UDP h;branch=z9hG4bKa;received=192.0.2.1;rport=5070;maddr=224.2.0.1;ttl=16")
        #expect(v.received == "192.0.2.1")
        #expect(v.rport == .some("5070"))
        #expect(v.maddr == "224.2.0.1")
        #expect(v.ttl == "16")
        let bare = try via("SIP/2.0/UDP h;rport;branch=z9hG4bKb")
        #expect(bare.rport == .some(nil))
        #expect(try via("SIP/2.0/UDP h;received=2001:db8::1").received == "2001:db8::1")
    }

    @Test func branchWithoutCookie() throws {
        #expect(try via("SIP/2.0/UDP h;branch=z9hg4bk1").hasMagicCookie == false)
        #expect(try via("SIP/2.0/UDP h").hasMagicCookie == false)
        #expect(try via("SIP/2.0/UDP h;BRANCH=z9hG4bK1").branch == "z9hG4bK1")
    }

    @Test(arguments: [
        "", "SIP", "SIP/2.0", "SIP/2.0/", "SIP/2.0/UDP", "SIP/2.0/UDPhost", "SIP/2.0/UDP :5060",
        "SIP/2.0/UDP h:", "SIP/2.0/UDP h:65536", "SIP/2.0/UDP h:5x", "SIP/2.0/UDP [2001:db8::1",
        "SIP/2.0/UDP -h-", "SIP/2.0/UDP h;", "SIP/2.0/UDP h;branch=", "SIP/2.0/UDP h junk",
        "SIP/2.0/UDP h;branch=\"open",
    ])
    func malformedViaThrows(text: String) {
        #expect(throws: SIPSyntaxError.self) { try via(text) }
    }

    @Test func parseViasReportsTheFirstBadValue() throws {
        let m = try SIPMessage(parsing: options("Via: SIP/2.0/UDP second;branch=z9hG4bK2, bogus"))
        #expect(throws: SIPSyntaxError.self) { try m.parseVias() }
        #expect(m.topVia?.host == "client.example.com")
    }

    @Test func topViaIsNilWhenTheFirstDoesNotParse() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "Via: nonsense, SIP/2.0/UDP h", ""))
        #expect(m.topVia == nil)
    }
}
