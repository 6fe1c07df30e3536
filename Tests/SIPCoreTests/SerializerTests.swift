import Testing
@testable import SIPCore

/// `serialized()`, message equality and the builders (RFC 3261 §7, §8.2.6).
@Suite struct SerializerTests {
    static let varied: [String] = [
        options("Content-Length: 0"),
        sip("SIP/2.0 100 ", "v: SIP/2.0/UDP h;branch=z9hG4bK1", "l: 0", ""),
        sip("INVITE sip:a@b SIP/2.0", "Via: SIP/2.0/UDP one;branch=z9hG4bKa,", "  SIP/2.0/UDP two;branch=z9hG4bKb",
            "Subject:   folded", "\tacross lines   ", "X-Unknown:", "x-unknown: second", "Content-Length: 5", "", "hello"),
        "REGISTER sip:r SIP/2.0\nm: *\nExpires: 0\n\n",
        sip("MESSAGE sip:u@h SIP/2.0", "c: text/plain", "", "no length, so the rest of the datagram"),
    ]

    @Test(arguments: varied)
    func canonicalFormReparsesEqual(text: String) throws {
        let m = try SIPMessage(parsing: text)
        let canonical = m.serialized()
        let again = try SIPMessage(parsing: canonical)
        #expect(again == m)
        #expect(again.serialized() == canonical)
        #expect(again.text == m.text)
    }

    @Test func fixturesReserializeUnchanged() throws {
        // Fixtures are written canonically, so their canonical form is their bytes.
        for (name, bytes) in Fixtures.messages where name != "folded-options.sip" {
            let m = try SIPMessage(parsing: bytes)
            #expect(m.serialized() == bytes, "\(name)")
        }
    }

    @Test func canonicalFormUnfoldsAndNormalisesSpacing() throws {
        let m = try SIPMessage(parsing: sip("INVITE  sip:a@b  SIP/2.0 ", "Subject :  one", "  two", "l:0", ""))
        #expect(m.text == "INVITE sip:a@b SIP/2.0\r\nSubject: one two\r\nl: 0\r\n\r\n")
    }

    @Test func canonicalFormDropsTrailingOctets() throws {
        let m = try SIPMessage(parsing: options("Content-Length: 2", body: "hi and more"))
        #expect(m.serialized() == octets(options("Content-Length: 2", body: "hi")))
    }

    @Test func equalityIgnoresFoldingSpacingAndNameCase() throws {
        let a = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "Subject: one two", "X-H: v", "Call-ID: c", ""))
        let b = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "subject:one", "   two", "x-h :  v", "i: c", ""))
        #expect(a == b)
    }

    @Test func equalityNoticesValuesOrderNamesBodiesAndStartLines() throws {
        let base = sip("OPTIONS sip:a@b SIP/2.0", "Subject: s", "Call-ID: c", "", "body")
        let a = try SIPMessage(parsing: base)
        let different = [
            sip("OPTIONS sip:a@b SIP/2.0", "Subject: S", "Call-ID: c", "", "body"),
            sip("OPTIONS sip:a@b SIP/2.0", "Call-ID: c", "Subject: s", "", "body"),
            sip("OPTIONS sip:a@b SIP/2.0", "X-Subject: s", "Call-ID: c", "", "body"),
            sip("OPTIONS sip:a@b SIP/2.0", "Subject: s", "Call-ID: c", "", "Body"),
            sip("OPTIONS sip:a@c SIP/2.0", "Subject: s", "Call-ID: c", "", "body"),
            sip("INFO sip:a@b SIP/2.0", "Subject: s", "Call-ID: c", "", "body"),
            sip("OPTIONS sip:a@b SIP/2.0", "Subject: s", "Call-ID: c", "Call-ID: c", "", "body"),
            sip("SIP/2.0 200 OK", "Subject: s", "Call-ID: c", "", "body"),
        ]
        for text in different {
            #expect(try SIPMessage(parsing: text) != a, "\(text)")
        }
        #expect(try SIPMessage(parsing: base) == a)
    }

    @Test func unknownHeadersCompareByNameWithoutCase() throws {
        let a = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "X-A: 1", ""))
        #expect(try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "x-a: 1", "")) == a)
        #expect(try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "X-B: 1", "")) != a)
    }

    // MARK: Builders

    @Test func buildsARequestWithContentLength() throws {
        let m = try SIPMessage.request(.invite, uri: "sip:bob@biloxi.com",
                                       headers: [("Via", "SIP/2.0/UDP h;branch=z9hG4bK1"), ("Call-ID", "b1"),
                                                 ("CSeq", "1 INVITE")],
                                       body: octets("v=0\r\n"))
        #expect(m.method == .invite)
        #expect(m.requestURI == "sip:bob@biloxi.com")
        #expect(m.headers.map(\.name) == [.via, .callID, .cseq, .contentLength])
        #expect(m.contentLength == 5)
        #expect(Array(m.body) == octets("v=0\r\n"))
        #expect(m.issues.isEmpty)
    }

    @Test func buildsAResponseKeepingAGivenContentLength() throws {
        let m = try SIPMessage.response(486, reason: "Busy Here", headers: [("l", "0"), ("Call-ID", "b2")])
        #expect(m.statusCode == 486)
        #expect(m.reasonPhrase == "Busy Here")
        #expect(m.fields(.contentLength).count == 1)
        #expect(m.text == "SIP/2.0 486 Busy Here\r\nl: 0\r\nCall-ID: b2\r\n\r\n")
    }

    static let invite = sip(
        "INVITE sip:bob@biloxi.example.com SIP/2.0",
        "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp, SIP/2.0/UDP client.example.com;branch=z9hG4bKc",
        "Via: SIP/2.0/UDP origin.example.com;branch=z9hG4bKo",
        "Max-Forwards: 69",
        "Record-Route: <sip:proxy.example.com;lr>",
        "From: \"Alice\" <sip:alice@example.com>;tag=f1",
        "To: Bob <sip:bob@biloxi.example.com>",
        "Call-ID: call-1",
        "CSeq: 10 INVITE",
        "Record-Route: <sip:edge.example.com;lr>",
        "Contact: <sip:alice@client.example.com>",
        "Content-Length: 0", "")

    @Test func responseToAnInviteCopiesTheDialogHeaders() throws {
        let request = try SIPMessage(parsing: Self.invite)
        let ok = try SIPMessage.response(to: request, statusCode: 200, reason: "OK", toTag: "t9",
                                         extraHeaders: [("Contact", "<sip:bob@192.0.2.4>")])
        #expect(ok.statusCode == 200)
        #expect(ok.headers.map(\.name) == [.via, .via, .from, .to, .callID, .cseq, .recordRoute, .recordRoute,
                                            .contact, .contentLength])
        #expect(try ok.parseVias().map(\.host.string) == ["proxy.example.com", "client.example.com", "origin.example.com"])
        #expect(ok.firstValue(.from) == request.firstValue(.from))
        #expect(ok.to?.tag == "t9")
        #expect(ok.to?.uri == "sip:bob@biloxi.example.com")
        #expect(ok.callID == "call-1")
        #expect(ok.cseq == CSeq(10, .invite))
        #expect(try ok.parseAddresses(.recordRoute).map(\.uri.string) == ["sip:proxy.example.com;lr", "sip:edge.example.com;lr"])
        #expect(ok.contentLength == 0)
        #expect(!ok.contains(.maxForwards))
    }

    @Test func trying100HasNoToTagAndNoRecordRoute() throws {
        let request = try SIPMessage(parsing: Self.invite)
        let trying = try SIPMessage.response(to: request, statusCode: 100, reason: "Trying", toTag: "t9")
        #expect(trying.to?.tag == nil)
        #expect(!trying.contains(.recordRoute))
        #expect(trying.fields(.via).count == 2)
    }

    @Test func errorResponseHasToTagButNoRecordRoute() throws {
        let request = try SIPMessage(parsing: Self.invite)
        let busy = try SIPMessage.response(to: request, statusCode: 486, reason: "Busy Here", toTag: "t9")
        #expect(busy.to?.tag == "t9")
        #expect(!busy.contains(.recordRoute))
    }

    @Test func existingToTagIsKept() throws {
        let bye = try SIPMessage(parsing: sip("BYE sip:a@b SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bKb",
                                              "From: <sip:b@h>;tag=f", "To: <sip:a@b>;tag=old", "Call-ID: c",
                                              "CSeq: 11 BYE", "Record-Route: <sip:p;lr>", ""))
        let ok = try SIPMessage.response(to: bye, statusCode: 200, reason: "OK", toTag: "new")
        #expect(ok.to?.tag == "old")
        #expect(ok.fields(named: "To").count == 1)
        // Record-Route is copied only for dialog-creating requests (RFC 3261 §12.1.1).
        #expect(!ok.contains(.recordRoute))
    }

    @Test func responseWithoutToTagLeavesToAlone() throws {
        let request = try SIPMessage(parsing: Self.invite)
        let ringing = try SIPMessage.response(to: request, statusCode: 180, reason: "Ringing", toTag: nil)
        #expect(ringing.to?.tag == nil)
    }
}
