import Testing
@testable import SIPCore

/// Splitting comma-separated values (RFC 3261 §7.3.1): `Via: a, b` is the same as two Via lines.
@Suite struct HeaderListTests {
    func split(_ s: String) -> [String] { HeaderList.split(ByteString(s)).map(\.string) }

    @Test func splitsAtTopLevelCommasAndTrims() {
        #expect(split("a, b ,c") == ["a", "b", "c"])
        #expect(split("  single  ") == ["single"])
        #expect(split("a,\r\n b") == ["a", "b"])
    }

    @Test func emptyElementsAreKeptForTheCheckerToReport() {
        #expect(split("a,,b") == ["a", "", "b"])
        #expect(split(",") == ["", ""])
        #expect(split("") == [""])
    }

    @Test func commaInsideAQuotedStringDoesNotSplit() {
        #expect(split("\"Doe, John\" <sip:j@d>, <sip:k@d>") == ["\"Doe, John\" <sip:j@d>", "<sip:k@d>"])
    }

    @Test func escapedQuoteDoesNotEndTheQuotedString() {
        #expect(split("\"a \\\", b\" <sip:a@b>, <sip:c@d>") == ["\"a \\\", b\" <sip:a@b>", "<sip:c@d>"])
        #expect(split("\"\\\\\", x") == ["\"\\\\\"", "x"])
    }

    @Test func commaInsideAngleBracketsDoesNotSplit() {
        #expect(split("<sip:a@b?Subject=x,y>;p=1, <sip:c@d>") == ["<sip:a@b?Subject=x,y>;p=1", "<sip:c@d>"])
    }

    @Test func unterminatedQuoteOrAngleSwallowsTheRest() {
        #expect(split("\"a, b") == ["\"a, b"])
        #expect(split("<sip:a,b") == ["<sip:a,b"])
    }

    @Test func firstStopsAtTheFirstTopLevelComma() {
        #expect(HeaderList.first("\"x,y\" <sip:a,b>, c") == "\"x,y\" <sip:a,b>")
        #expect(HeaderList.first("only") == "only")
    }

    /// Regression (MutationFuzzTests): for a value with no comma, `first` returned it untrimmed, so a value ending in
    /// a bare CR (`234234 INVITE\r`) differed from `split(value)[0]`.
    @Test func firstIsTrimmedLikeSplit() throws {
        for value: ByteString in ["234234 INVITE\r", " a ", "\ra\n", "x, y\r", "\"q\" <sip:a@b>\r"] {
            #expect(HeaderList.first(value) == HeaderList.split(value)[0], "\(value)")
        }
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r", ""))
        #expect(m.values(.via) == [HeaderList.first(try #require(m.firstValue(.via)))])
    }

    @Test func viaValuesSpanSeveralLinesAndCommaLists() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0",
                                            "Via: SIP/2.0/UDP one;branch=z9hG4bK1, SIP/2.0/UDP two;branch=z9hG4bK2",
                                            "Call-ID: c",
                                            "v: SIP/2.0/TCP three;branch=z9hG4bK3",
                                            "VIA: SIP/2.0/TLS four;branch=z9hG4bK4,",
                                            " SIP/2.0/SCTP five;branch=z9hG4bK5", ""))
        #expect(m.values(.via).count == 5)
        let vias = try m.parseVias()
        #expect(vias.map(\.host.string) == ["one", "two", "three", "four", "five"])
        #expect(vias.map(\.transport.string) == ["UDP", "UDP", "TCP", "TLS", "SCTP"])
        #expect(m.topVia?.host == "one")
    }

    @Test func singleValuedAndOpaqueHeadersAreNeverSplit() throws {
        let date = "Sat, 13 Nov 2010 23:29:00 GMT"
        let auth = "Digest username=\"a\", realm=\"r\", nonce=\"n\""
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "Date: \(date)", "Authorization: \(auth)",
                                            "WWW-Authenticate: \(auth)", "Subject: one, two", ""))
        #expect(m.values(.date) == [ByteString(date)])
        #expect(m.values(.authorization) == [ByteString(auth)])
        #expect(m.values(.wwwAuthenticate) == [ByteString(auth)])
        #expect(m.values(.subject) == ["one, two"])
        #expect(!HeaderName.date.isList && !HeaderName.authorization.isList)
        #expect(HeaderName.date.isSingleValued)
    }

    @Test func contactListWithWildcardAndQuotedCommas() throws {
        let m = try SIPMessage(parsing: Fixtures.message("compact-register.sip"))
        let contacts = try m.parseContacts()
        #expect(contacts.count == 2)
        #expect(contacts[0].unquotedDisplayName == "Carol \"C\" Smith")
        #expect(contacts[0].parameters.value(named: "expires") == "3600")
        #expect(contacts[1].isWildcard)
        #expect(m.values(.supported) == ["path", "outbound"])
    }

    @Test func fieldValuesWalkWhatValuesReturnsWithTheirFields() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "Via: SIP/2.0/UDP a;branch=z9hG4bK1 , SIP/2.0/UDP b",
                                            "Contact: \"x, y\" <sip:c@d;p=1,2>, <sip:e@f>", "Via: SIP/2.0/UDP c", "Subject: one, two",
                                            "Supported: ,path,", ""))
        for name in [HeaderName.via, .contact, .subject, .supported, .route] {
            #expect(Array(m.fieldValues(name)).map(\.value) == m.values(name))
        }
        #expect(Array(m.fieldValues(.via)).map(\.field.line) == [2, 2, 4])
        #expect(m.values(.supported) == ["", "path", ""])
        #expect(m.fieldValues(.route).isEmpty && !m.fieldValues(.via).isEmpty)
    }

    @Test func elementsWalkWhatSplitReturns() {
        let value: ByteString = " a , \"b, c\" ,<sip:d@e;x=1,2>,, "
        #expect(Array(HeaderList.Elements(value)) == ["a", "\"b, c\"", "<sip:d@e;x=1,2>", "", ""])
        #expect(Array(HeaderList.Elements(" one ")) == ["one"])
        #expect(Array(HeaderList.Elements(" a, b ", split: false)) == [" a, b "])
    }

    @Test func byteStringContains() {
        let v: ByteString = "SIP/2.0/UDP 255.255.255.255;received=1.2.3.4"
        #expect(v.contains("255.255.255.255") && v.contains("4") && v.contains(""))
        #expect(!v.contains("255.255.255.2555") && !ByteString("25").contains("255"))
    }

    @Test func byteStringContainsAgreesWithANaiveSearch() {
        let values: [ByteString] = [
            "", "2", "25", "255.255.255.255", "SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1", "255.255.255.25",
            "x255.255.255.255", "255.255.255.2555", "2255.255.255.255", "received=255.255.255.255", "a", "aa", "aaa",
        ]
        for h in values {
            for n in values {
                let hb = Array(h.bytes), nb = Array(n.bytes)
                let naive = nb.isEmpty
                    || (hb.count >= nb.count && (0...(hb.count - nb.count)).contains { Array(hb[$0..<($0 + nb.count)]) == nb })
                #expect(h.contains(n) == naive, "'\(h)' contains '\(n)'")
            }
        }
        // Slices that do not start at index 0, as values cut from a message are.
        let line = Array("Via: SIP/2.0/UDP 255.255.255.255".utf8)
        #expect(ByteString(line[5...]).contains("255.255.255.255") && !ByteString(line[5..<30]).contains("255.255.255.255"))
    }

    /// `firstElement(_:)` is the first of `values(_:)`, for list headers and others, when the first field has no
    /// element, and when there is no field.
    @Test func theFirstElementIsTheFirstValue() throws {
        for lines in [["Contact: <sip:a@x>, <sip:b@x>"], ["Contact:", "Contact: <sip:b@x>"], ["Contact: , <sip:b@x>"],
                      ["Contact: \"a, b\" <sip:a@x>"], ["Contact:\r\n <sip:a@x>"], ["Subject: a, b"], []] {
            let m = try SIPMessage(parsing: (["OPTIONS sip:x SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1"] + lines
                                             + ["Content-Length: 0"]).joined(separator: "\r\n") + "\r\n\r\n")
            #expect(m.firstElement(.contact) == m.values(.contact).first, "\(lines)")
            #expect(m.firstElement(.subject) == m.values(.subject).first, "\(lines)")
        }
    }
}
