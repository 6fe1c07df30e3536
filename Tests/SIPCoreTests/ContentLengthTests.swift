import Testing
@testable import SIPCore

/// Body framing of a datagram by Content-Length (RFC 3261 §18.3, §20.14).
@Suite struct ContentLengthTests {
    @Test func exactLength() throws {
        let m = try SIPMessage(parsing: options("Content-Length: 4", body: "abcd"))
        #expect(Array(m.body) == octets("abcd"))
        #expect(m.contentLength == 4)
        #expect(m.trailingOctets.isEmpty)
        #expect(m.issues.isEmpty)
    }

    @Test func missingLengthTakesTheRestOfTheDatagram() throws {
        let m = try SIPMessage(parsing: options(body: "all of\r\nthis"))
        #expect(Array(m.body) == octets("all of\r\nthis"))
        #expect(m.contentLength == nil)
        #expect(m.issues.isEmpty)
    }

    @Test func shorterLengthLeavesTrailingOctets() throws {
        let text = options("Content-Length: 2", body: "hi, and then junk")
        let m = try SIPMessage(parsing: text)
        #expect(Array(m.body) == octets("hi"))
        #expect(Array(m.trailingOctets) == octets(", and then junk"))
        #expect(m.issueKinds == [.trailingOctets])
        #expect(Array(m.rawBytes) == octets(text).dropLast(15))
        #expect(m.storage == octets(text))
    }

    @Test func longerLengthIsAnIssueAndTheBodyIsWhatArrived() throws {
        let m = try SIPMessage(parsing: options("Content-Length: 100", body: "short"))
        #expect(Array(m.body) == octets("short"))
        #expect(m.contentLength == 100)
        #expect(m.issueKinds == [.contentLengthExceedsBody])
    }

    @Test(arguments: ["-1", "abc", "1 2", "0x10", "", "99999999999999999999"])
    func unusableLengthIsAnIssueAndTheBodyIsTheRest(value: String) throws {
        let m = try SIPMessage(parsing: options("Content-Length: \(value)", body: "rest"))
        #expect(Array(m.body) == octets("rest"))
        #expect(m.issueKinds == [.contentLengthSyntax])
        #expect(m.issues.first?.line == 7)
    }

    /// Regression: an empty Content-Length was described as "is too large" (every character of "" is a digit).
    @Test func issueDetailSaysWhatIsWrong() throws {
        let cases = ["": "is empty", "-5": "is negative", "123456789012": "is too large", "5x": "is not a number"]
        for (value, what) in cases {
            let m = try SIPMessage(parsing: options("Content-Length: \(value)"))
            let issue = try #require(m.issues.first)
            #expect(issue.kind == .contentLengthSyntax)
            #expect(issue.detail == "Content-Length '\(value)' \(what)")
        }
    }

    @Test func zeroLengthWithExtraCRLF() throws {
        let m = try SIPMessage(parsing: options("l: 0", body: "\r\n"))
        #expect(m.body.isEmpty)
        #expect(Array(m.trailingOctets) == [ASCII.cr, ASCII.lf])
        #expect(m.issueKinds == [.trailingOctets])
    }

    @Test func firstContentLengthDecides() throws {
        let m = try SIPMessage(parsing: options("Content-Length: 1", "Content-Length: 3", body: "abc"))
        #expect(Array(m.body) == octets("a"))
        #expect(m.issueKinds == [.trailingOctets])
    }

    @Test func foldedAndSpacedLengthIsRead() throws {
        let m = try SIPMessage(parsing: options("Content-Length:", "   3  ", body: "abc"))
        #expect(Array(m.body) == octets("abc"))
        #expect(m.issues.isEmpty)
    }

    @Test func lengthInAResponse() throws {
        let text = sip("SIP/2.0 200 OK", "l: 3", "") + "abcdef"
        let m = try SIPMessage(parsing: text)
        #expect(Array(m.body) == octets("abc"))
        #expect(Array(m.trailingOctets) == octets("def"))
    }
}
