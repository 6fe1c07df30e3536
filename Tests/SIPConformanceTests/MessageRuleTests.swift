import SIPCore
import SIPConformance
import Testing

/// Each message-scope rule fires on a message that breaks it, and stays quiet on clean and near-miss messages.
@Suite struct MessageRuleTests {
    @Test(arguments: RuleCase.all)
    func ruleFires(_ c: RuleCase) {
        let findings = Fixture.findings(c.text, limits: c.limits)
        let hits = findings.with(c.id)
        #expect(!hits.isEmpty, "expected \(c.id); got \(findings.listing)")
        if let header = c.header {
            #expect(hits.contains { $0.header == header }, "\(c.id) should name \(header); got \(hits.listing)")
        }
        if let line = c.line {
            #expect(hits.contains { $0.line == line }, "\(c.id) should point at line \(line); got \(hits.listing)")
        }
        #expect(hits.allSatisfy { !$0.message.isEmpty && $0.severity == RuleCatalogue.rule(id: c.id)?.severity })
    }

    @Test func everyMessageRuleHasAFixtureThatBreaksIt() {
        let covered = Set(RuleCase.all.map(\.id))
        for rule in RuleCatalogue.all where rule.scope == .message {
            #expect(covered.contains(rule.id), "no fixture breaks \(rule.id)")
        }
    }

    static let clean: [String] = [
        Fixture.invite,
        Fixture.request("OPTIONS", ["Accept: application/sdp"]),
        Fixture.request("REGISTER", uri: "sip:example.com", ["Contact: <sip:alice@pc33.example.com>;expires=3600"]),
        Fixture.request("REGISTER", uri: "sip:example.com", ["Contact: *", "Expires: 0"]),
        Fixture.request("BYE", uri: "sip:alice@pc33.example.com", ["Route: <sip:p1.example.com;lr>"]),
        Fixture.response(100, "Trying", method: "INVITE", dropping: []),
        Fixture.response(200, "OK", method: "INVITE", ["Contact: <sip:bob@192.0.2.4>", "Record-Route: <sip:p1.example.com;lr>"]),
        Fixture.response(200, "OK"),
        Fixture.response(302, "Moved", ["Contact: <sip:bob@elsewhere.example.com>"]),
        Fixture.response(401, "Unauthorized", ["WWW-Authenticate: Digest realm=\"example.com\", nonce=\"a\""]),
        Fixture.response(405, "Method Not Allowed", ["Allow: INVITE, ACK, BYE, CANCEL, OPTIONS"]),
        Fixture.response(407, "Proxy Authentication Required", ["Proxy-Authenticate: Digest realm=\"p\", nonce=\"b\""]),
        Fixture.response(415, "Unsupported Media Type", ["Accept-Encoding: gzip"]),
        Fixture.response(420, "Bad Extension", ["Unsupported: foo"]),
        Fixture.response(423, "Interval Too Brief", ["Min-Expires: 3600"]),
        Fixture.response(503, "Service Unavailable", ["Retry-After: 120 (lunch);duration=60"]),
        // Compact forms, folding and odd spacing are legal (RFC 3261 §7.3.1, §7.3.3).
        "OPTIONS sip:bob@example.com SIP/2.0\r\nv:  SIP/2.0/UDP h.example.com ;branch=z9hG4bKf1\r\nMax-Forwards: 70\r\n"
            + "t: <sip:bob@example.com>\r\nf: <sip:alice@example.com>\r\n ;tag=9\r\ni: c1\r\nCSeq: 9\r\n  OPTIONS\r\nl: 0\r\n\r\n",
    ]

    @Test(arguments: clean)
    func cleanMessageHasNoFindings(_ text: String) {
        let findings = Fixture.findings(text)
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    /// Messages that come close to a rule without breaking it: the named rule must not fire, nor any error.
    static let nearMisses: [(String, String)] = [
        ("rfc3261.8.2.2.1.request-uri-scheme", Fixture.invite(startLine: "INVITE tel:+1-201-555-0123 SIP/2.0")),
        ("rfc3261.8.2.2.1.request-uri-scheme", Fixture.invite(startLine: "INVITE sips:bob@example.com SIP/2.0")),
        ("rfc3261.20.39.to-syntax", Fixture.invite(replacing: ["To": "To: <urn:service:sos>"])),
        ("rfc3261.20.20.from-syntax", Fixture.invite(replacing: ["From": "From: <im:alice@example.com>;tag=5"])),
        ("rfc3261.20.10.contact-syntax", Fixture.invite(replacing: ["Contact": "Contact: <http://example.com/alice>"])),
        ("rfc3261.8.1.1.required-header", Fixture.invite(replacing: ["Max-Forwards": nil, "Via": "Via: SIP/2.0/UDP pc33.example.com;branch=1"])),
        ("rfc3261.25.1.delta-seconds", Fixture.invite(adding: ["Expires: 4294967295"])),
        ("rfc3261.20.17.date-format", Fixture.invite(adding: ["Date: Sat, 13 Nov 2010 23:29:00 GMT"])),
        ("rfc3261.20.1.accept-excludes-body", Fixture.invite(adding: ["Accept: text/plain, application/*"])),
        ("rfc3261.20.1.accept-excludes-body", Fixture.invite(adding: ["Accept: */*"])),
        ("rfc3261.20.1.accept-excludes-body", Fixture.invite(adding: ["Accept: application/SDP;level=1"])),
        ("rfc3261.22.4.auth-scheme", Fixture.request("REGISTER", uri: "sip:example.com",
            ["Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", uri=\"sip:example.com\", response=\"r\""])),
        ("rfc3261.8.2.2.3.unknown-option-tag", Fixture.invite(adding: ["Require: 100rel, timer", "Proxy-Require: sec-agree"])),
        ("rfc3261.8.1.1.8.single-contact", Fixture.request("REGISTER", uri: "sip:example.com",
            ["Contact: <sip:a@h1.example.com>, <sip:a@h2.example.com>"])),
        ("rfc3261.13.3.1.4.contact-in-2xx", Fixture.response(200, "OK", method: "BYE")),
        ("rfc3261.8.1.1.7.branch-cookie", Fixture.invite(replacing: ["Via": "Via: SIP/2.0/TCP pc33.example.com:5070;branch=z9hG4bK1"])),
        ("rfc3261.20.43.warning-syntax", Fixture.response(200, ["Warning: 301 isi.edu \"Incompatible network address type 'E.164'\", 399 p.example.com:5060 \"a, b\""])),
        ("rfc3261.20.8.call-id-syntax", Fixture.invite(replacing: ["Call-ID": "Call-ID: w%ZK-!.*_+'@word`~)(><:\\/\"][?}{"])),
        ("rfc3261.10.2.2.contact-wildcard", Fixture.request("REGISTER", uri: "sip:example.com", ["Contact: *", "Expires: 0"])),
        ("rfc3261.7.3.1.single-valued-header", Fixture.invite(adding: ["Route: <sip:p1.example.com;lr>", "Route: <sip:p2.example.com;lr>"])),
    ]

    @Test(arguments: nearMisses)
    func nearMissDoesNotFire(_ id: String, _ text: String) {
        let findings = Fixture.findings(text)
        #expect(findings.with(id).isEmpty, "\(id) fired: \(findings.listing)")
        #expect(!findings.contains { $0.severity == .error }, "\(findings.listing)")
    }

    @Test func anRFC2543RequestGetsOnlyWarnings() {
        let text = Fixture.invite(replacing: ["Via": "Via: SIP/2.0/UDP gw.example.com", "Max-Forwards": nil, "Contact": nil,
                                              "From": "From: <sip:+13035551111@example.net;user=phone>"])
        let findings = Fixture.findings(text)
        #expect(findings.ids == ["rfc3261.8.1.1.7.branch-cookie", "rfc3261.8.1.1.3.from-tag",
                                 "rfc3261.8.1.1.rfc2543-missing-header"], "\(findings.listing)")
        #expect(findings.allSatisfy { $0.severity == .warning })
    }

    @Test func trailingOctetsAreAWarningAndTheFirstMessageStands() throws {
        let text = Fixture.request("OPTIONS") + Fixture.request("OPTIONS")
        let message = try SIPMessage(parsing: text)
        let findings = MessageChecker().check(message)
        #expect(findings.ids == ["rfc3261.18.3.trailing-octets"])
        #expect(findings.first?.severity == .warning)
        #expect(message.trailingOctets.count == Fixture.request("OPTIONS").utf8.count)
    }

    @Test func findingsComeInLineOrderWithAbsentHeadersLast() {
        let text = Fixture.invite(replacing: ["To": nil, "CSeq": "CSeq: 1 invite", "Max-Forwards": "Max-Forwards: 0"])
        let lines = Fixture.findings(text).map { $0.line ?? Int.max }
        #expect(lines == lines.sorted())
        #expect(lines.last == Int.max)
    }

    @Test func onlyOneSyntaxFindingPerBadLine() {
        let findings = Fixture.findings(Fixture.invite(adding: ["Via: SIP/2.0/UDP 192.0.2.15;;,;,,"]))
        #expect(findings.with("rfc3261.20.42.via-syntax").count == 1, "\(findings.listing)")
    }
}
