import Testing
@testable import SIPCore

/// The datagram parser (RFC 3261 §7): start lines, header lines, folding and the issues it tolerates.
@Suite struct ParserTests {
    // MARK: Start lines

    @Test func parsesARequest() throws {
        let m = try SIPMessage(parsing: options())
        #expect(m.isRequest)
        #expect(m.method == .options)
        #expect(m.requestURI == "sip:bob@example.com")
        #expect(m.version == "SIP/2.0")
        #expect(m.statusCode == nil && m.reasonPhrase == nil)
        #expect(m.startLine == .request(method: .options, uri: "sip:bob@example.com", version: "SIP/2.0"))
        #expect(m.headers.map(\.name) == [.via, .from, .to, .callID, .cseq])
        #expect(m.issues.isEmpty)
    }

    @Test func parsesAResponse() throws {
        let m = try SIPMessage(parsing: Fixtures.message("ok-response.sip"))
        #expect(m.isResponse)
        #expect(m.statusCode == 200)
        #expect(m.reasonPhrase == "OK")
        #expect(m.method == nil && m.requestURI == nil)
        #expect(m.values(.via).count == 2)
        #expect(m.to?.tag == "a6c85cf")
        #expect(m.issues.isEmpty)
    }

    @Test func unknownMethodIsKeptAsWritten() throws {
        let m = try SIPMessage(parsing: sip("NEWMETHOD sip:a@b SIP/2.0", "Content-Length: 0", ""))
        let method = try #require(m.method)
        #expect(method == SIPMethod("NEWMETHOD"))
        #expect(!SIPMethod.known.contains(method))
    }

    @Test func reasonPhraseMayBeEmptyOrHoldSpaces() throws {
        let empty = try SIPMessage(parsing: sip("SIP/2.0 100 ", "Content-Length: 0", ""))
        #expect(empty.statusCode == 100)
        #expect(empty.reasonPhrase == "")
        #expect(empty.issues.isEmpty)

        let spaced = try SIPMessage(parsing: sip("SIP/2.0 486 Busy  Here  ", "Content-Length: 0", ""))
        #expect(spaced.reasonPhrase == "Busy  Here  ")
        #expect(spaced.issues.isEmpty)
    }

    @Test func statusLineWithoutReasonOrSPIsAnIssue() throws {
        let m = try SIPMessage(parsing: sip("SIP/2.0 180", "Content-Length: 0", ""))
        #expect(m.statusCode == 180)
        #expect(m.reasonPhrase == "")
        #expect(m.issueKinds == [.statusLineSyntax])
    }

    @Test(arguments: ["SIP/2.0 4294967301 Big", "SIP/2.0 20 Short", "SIP/2.0 0200 Padded"])
    func statusCodeThatIsNotThreeDigitsIsAnIssue(line: String) throws {
        let m = try SIPMessage(parsing: sip(line, "Content-Length: 0", ""))
        #expect(m.issueKinds == [.statusLineSyntax])
        #expect(m.issues.first?.line == 1)
    }

    @Test func statusCodeFollowedByALetterIsAnIssue() throws {
        let m = try SIPMessage(parsing: sip("SIP/2.0 200OK", "Content-Length: 0", ""))
        #expect(m.statusCode == 200)
        #expect(m.reasonPhrase == "OK")
        #expect(m.issueKinds == [.statusLineSyntax])
    }

    @Test func requestLineWithDoubleSPIsAnIssue() throws {
        let m = try SIPMessage(parsing: sip("INVITE  sip:a@b  SIP/2.0", "Content-Length: 0", ""))
        #expect(m.requestURI == "sip:a@b")
        #expect(m.issueKinds == [.requestLineWhitespace])
    }

    @Test func requestLineWithTrailingSPIsAnIssue() throws {
        let m = try SIPMessage(parsing: sip("INVITE sip:a@b SIP/2.0 ", "Content-Length: 0", ""))
        #expect(m.version == "SIP/2.0")
        #expect(m.issueKinds == [.requestLineWhitespace])
    }

    @Test func spaceInsideTheRequestURIIsAnIssue() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a b@example.com SIP/2.0", "Content-Length: 0", ""))
        #expect(m.requestURI == "sip:a b@example.com")
        #expect(m.issueKinds == [.requestURIWhitespace])
    }

    @Test func requestURIInAngleBracketsIsAnIssue() throws {
        let m = try SIPMessage(parsing: sip("INVITE <sip:a@b> SIP/2.0", "Content-Length: 0", ""))
        #expect(m.requestURI == "<sip:a@b>")
        #expect(m.issueKinds == [.requestURIAngleBrackets])
    }

    @Test(arguments: [
        "INVITE sip:a@b SIP/7", "INVITE sip:a@b", "INVITE  SIP/2.0", "INVITE", "in valid", "SIP/2.0", "SIP/2.0 OK",
        "SIP/x 200 OK", "<sip:a> SIP/2.0", "INVITE sip:a@b HTTP/1.1",
    ])
    func malformedStartLineThrows(line: String) {
        #expect {
            try SIPMessage(parsing: sip(line, "Content-Length: 0", ""))
        } throws: { ($0 as? SIPParseError)?.kind == .startLine }
    }

    @Test func versionNameIsCaseInsensitive() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b sip/2.0", "Content-Length: 0", ""))
        #expect(m.version == "sip/2.0")
        #expect(m.issues.isEmpty)
    }

    @Test func emptyInputThrows() {
        for input in ["", "\r\n", "\r\n\r\n\n"] {
            #expect { try SIPMessage(parsing: input) } throws: { ($0 as? SIPParseError)?.kind == .empty }
        }
    }

    @Test func leadingCRLFsAreIgnored() throws {
        let text = options("Content-Length: 0")
        let m = try SIPMessage(parsing: "\r\n\r\n\n" + text)
        #expect(m.method == .options)
        #expect(m.messageRange.lowerBound == 5)
        #expect(Array(m.rawBytes) == octets(text))
        #expect(m.issues.isEmpty)
    }

    // MARK: Header lines

    @Test func headerNamesAreCaseInsensitive() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "vIA: SIP/2.0/UDP h;branch=z9hG4bK1",
                                            "CALL-id: x", "cseq: 1 OPTIONS", "content-LENGTH: 0", ""))
        #expect(m.headers.map(\.name) == [.via, .callID, .cseq, .contentLength])
        #expect(m.callID == "x")
        #expect(m.cseq == CSeq(1, .options))
        #expect(m.rawName(of: m.headers[0]) == "vIA")
    }

    static let compactForms: [(String, HeaderName)] = [
        ("i", .callID), ("m", .contact), ("e", .contentEncoding), ("l", .contentLength), ("c", .contentType),
        ("f", .from), ("s", .subject), ("k", .supported), ("t", .to), ("v", .via), ("o", .event),
        ("u", .allowEvents), ("r", .referTo), ("b", .referredBy), ("x", .sessionExpires), ("y", .identity),
        ("a", .acceptContact), ("j", .rejectContact), ("d", .requestDisposition),
    ]

    @Test(arguments: compactForms)
    func compactFormMapsToItsHeader(letter: String, name: HeaderName) throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "\(letter): value", "\(letter.uppercased()): value", ""))
        #expect(m.headers.map(\.name) == [name, name])
        #expect(name.compactForm == Character(letter))
        #expect(m.fields(named: letter).count == 2)
        #expect(m.fields(named: name.canonicalName).count == 2)
    }

    @Test func everyCanonicalNameClassifiesToItself() {
        for name in HeaderName.allCases where name != .other {
            #expect(HeaderName.classify(name.canonicalName) == name)
            #expect(HeaderName.classify(name.canonicalName.uppercased()) == name)
        }
        #expect(HeaderName.classify("g") == .other)
        #expect(HeaderName.classify("") == .other)
    }

    @Test func whiteSpaceAroundTheColonIsAllowed() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "Call-ID \t:   abc  ", "Subject:x", "To:\t<sip:a@b>", ""))
        #expect(m.callID == "abc")
        #expect(m.firstValue(.subject) == "x")
        #expect(m.to?.uri == "sip:a@b")
        #expect(m.issues.isEmpty)
    }

    @Test func unknownHeadersAreKeptInOrderWithRawNames() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "X-First: 1", "Call-ID: c", "x-first: 2",
                                            "P-Weird.Name!: 3", ""))
        #expect(m.headers.map(\.name) == [.other, .callID, .other, .other])
        #expect(m.headers.map { m.rawName(of: $0).string } == ["X-First", "Call-ID", "x-first", "P-Weird.Name!"])
        #expect(m.fields(named: "X-FIRST").map { m.value(of: $0).string } == ["1", "2"])
        #expect(m.fields(named: "p-weird.name!").count == 1)
    }

    @Test func headerLineWithoutColonOrNameIsSkippedWithAnIssue() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "Call-ID: c", "NoColonHere", ":nameless",
                                            "Subject: s", ""))
        #expect(m.headers.map(\.name) == [.callID, .subject])
        #expect(m.issueKinds == [.headerSyntax, .headerSyntax])
        #expect(m.issues.map(\.line) == [3, 4])
    }

    /// Regression: the continuation of a rejected header line was folded into the header above it, so
    /// `Subject` read `one bad line continued`.
    @Test func continuationOfARejectedLineIsDroppedWithIt() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "Subject: one", "bad line", " continued",
                                            "Call-ID: c", " folded", ""))
        #expect(m.firstValue(.subject) == "one")
        #expect(m.callID == "c folded")
        #expect(m.issueKinds == [.headerSyntax])
    }

    /// Regression: `lineNumber(at:)` trapped (lower bound above upper bound) for an offset in the CRLFs that
    /// precede the message.
    @Test func lineNumberBeforeTheMessageIsLineOne() throws {
        let m = try SIPMessage(parsing: "\r\n\r\n" + options())
        #expect(m.lineNumber(at: 0) == 1)
        #expect(m.lineNumber(at: m.messageRange.lowerBound) == 1)
        #expect(m.lineNumber(at: Int.max) == 8)
    }

    @Test func headerRecordsItsLineNumber() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", "A: 1", "B: 2", " continued", "C: 3", ""))
        #expect(m.headers.map(\.line) == [2, 3, 5])
        #expect(m.lineNumber(at: m.headers[2].valueRange.lowerBound) == 5)
    }

    // MARK: Folding (RFC 3261 §7.3.1)

    @Test func foldedValuesAreUnfoldedToOneSP() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0",
                                            "Subject: I know you're there,",
                                            "        pick up the phone",
                                            "\t and talk to me!",
                                            "Call-ID: c", ""))
        let subject = try #require(m.firstField(.subject))
        #expect(subject.isFolded)
        #expect(m.value(of: subject) == "I know you're there, pick up the phone and talk to me!")
        #expect(m.firstField(.callID)?.isFolded == false)
        #expect(m.issues.isEmpty)
    }

    @Test func typedParsersSeeThroughFolds() throws {
        let m = try SIPMessage(parsing: sip("INVITE sip:a@b SIP/2.0",
                                            "Via: SIP/2.0/UDP",
                                            "  host.example.com:5060",
                                            "  ;branch=z9hG4bKf",
                                            "From:", " \"A\"", "  <sip:a@b>;tag=9",
                                            "CSeq: 4", "  INVITE", ""))
        #expect(m.topVia?.host == "host.example.com")
        #expect(m.topVia?.port == 5060)
        #expect(m.topVia?.branch == "z9hG4bKf")
        #expect(m.from?.unquotedDisplayName == "A")
        #expect(m.from?.tag == "9")
        #expect(m.cseq == CSeq(4, .invite))
    }

    @Test func foldBeforeAnyHeaderIsAnIssue() throws {
        let m = try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0", " stray", "Call-ID: c", ""))
        #expect(m.issueKinds == [.continuationWithoutHeader])
        #expect(m.callID == "c")
    }

    @Test func bareLFIsToleratedWithOneIssue() throws {
        let m = try SIPMessage(parsing: "OPTIONS sip:a@b SIP/2.0\nCall-ID: c\nSubject: one\n two\nContent-Length: 2\n\nhi")
        #expect(m.callID == "c")
        #expect(m.firstValue(.subject) == "one two")
        #expect(Array(m.body) == octets("hi"))
        #expect(m.issueKinds == [.bareLineFeed])
        #expect(m.issues.first?.line == 1)
    }

    @Test func missingEmptyLineIsAnIssue() throws {
        let m = try SIPMessage(parsing: "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: c\r\n")
        #expect(m.callID == "c")
        #expect(m.body.isEmpty)
        #expect(m.issueKinds == [.unterminatedHeaderSection])
    }

    // MARK: Bytes

    @Test func rawBytesAreTheOriginalOctets() throws {
        for (name, bytes) in Fixtures.messages {
            let m = try SIPMessage(parsing: bytes)
            #expect(Array(m.rawBytes) == bytes, "\(name)")
            #expect(m.storage == bytes, "\(name)")
            #expect(m.trailingOctets.isEmpty, "\(name)")
        }
    }

    @Test func bodyIsThePartAfterTheEmptyLine() throws {
        let m = try SIPMessage(parsing: Fixtures.message("message-body.sip"))
        #expect(m.body.elementsEqual("Watson, come here.".utf8))
        #expect(m.contentLength == 18)
        #expect(m.contentType == "text/plain")
    }
}
