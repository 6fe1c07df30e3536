import Testing
@testable import SIPCore

/// `SIPStreamFramer`: cutting a TCP/TLS byte stream into messages (RFC 3261 §18.3) and keep-alives (RFC 5626 §3.5.1).
@Suite struct StreamFramerTests {
    static let first = options("Content-Length: 5", body: "first")
    static let second = sip("SIP/2.0 200 OK", "Call-ID: c2", "l: 0", "")

    /// Every step until the framer needs more data.
    func drain(_ framer: inout SIPStreamFramer) throws -> [SIPStreamFramer.Step] {
        var out: [SIPStreamFramer.Step] = []
        while true {
            let step = try framer.parseStep()
            if step == .insufficientData { return out }
            out.append(step)
        }
    }

    @Test func oneMessageInOneAppend() throws {
        var framer = SIPStreamFramer()
        #expect(try framer.parseStep() == .insufficientData)
        framer.append(octets(Self.first))
        #expect(try framer.parseStep() == .message(octets(Self.first)))
        #expect(try framer.parseStep() == .insufficientData)
        #expect(framer.bufferedCount == 0)
    }

    @Test func messageArrivingByteByByte() throws {
        var framer = SIPStreamFramer()
        let bytes = octets(Self.first)
        for (i, b) in bytes.enumerated() {
            framer.append([b])
            let step = try framer.parseStep()
            if i < bytes.count - 1 {
                #expect(step == .insufficientData, "after \(i + 1) bytes")
                #expect(framer.bufferedCount == i + 1)
            } else {
                #expect(step == .message(bytes))
            }
        }
        #expect(framer.bufferedCount == 0)
    }

    @Test func twoCoalescedMessagesInOneAppend() throws {
        var framer = SIPStreamFramer()
        framer.append(octets(Self.first + Self.second))
        #expect(try drain(&framer) == [.message(octets(Self.first)), .message(octets(Self.second))])
        #expect(framer.bufferedCount == 0)
    }

    @Test func bodySplitAcrossAppends() throws {
        var framer = SIPStreamFramer()
        let bytes = octets(Self.first)
        framer.append(bytes.dropLast(3))
        #expect(try framer.parseStep() == .insufficientData)
        #expect(framer.bufferedCount == bytes.count - 3)
        framer.append(bytes.suffix(3) + octets("SIP/2.0"))
        #expect(try framer.parseStep() == .message(bytes))
        #expect(try framer.parseStep() == .insufficientData)
        #expect(framer.bufferedCount == 7)
    }

    @Test func framedMessagesParse() throws {
        var framer = SIPStreamFramer()
        framer.append(octets(Self.first))
        guard case .message(let bytes) = try framer.parseStep() else {
            Issue.record("no message")
            return
        }
        let m = try SIPMessage(parsing: bytes)
        #expect(Array(m.body) == octets("first"))
        #expect(m.issues.isEmpty)
    }

    @Test func keepAlivesBetweenMessages() throws {
        var framer = SIPStreamFramer()
        framer.append(octets("\r\n\r\n" + Self.first + "\r\n" + Self.second + "\r\n\r\n\r\n"))
        #expect(try drain(&framer) == [
            .keepAlivePing, .message(octets(Self.first)), .keepAlivePong, .message(octets(Self.second)),
            .keepAlivePing, .keepAlivePong,
        ])
        #expect(framer.bufferedCount == 0)
    }

    @Test func pingSplitAcrossAppendsIsNotMistakenForAPong() throws {
        var framer = SIPStreamFramer()
        framer.append(octets("\r\n\r"))
        #expect(try framer.parseStep() == .insufficientData)
        framer.append(octets("\n"))
        #expect(try framer.parseStep() == .keepAlivePing)
    }

    @Test func loneCRLFIsAPong() throws {
        var framer = SIPStreamFramer()
        framer.append(octets("\r\n"))
        #expect(try framer.parseStep() == .keepAlivePong)
        #expect(framer.bufferedCount == 0)
    }

    @Test func compactAndSpacedContentLength() throws {
        for header in ["l: 3", "content-length :  3 ", "CONTENT-LENGTH:3"] {
            var framer = SIPStreamFramer()
            let text = sip("INFO sip:a@b SIP/2.0", header, "") + "abc"
            framer.append(octets(text + "tail"))
            #expect(try framer.parseStep() == .message(octets(text)), "\(header)")
            #expect(framer.bufferedCount == 4)
        }
    }

    /// Regression: a continuation line ` l: 2` was read as a Content-Length header, so the framer waited for a body
    /// the parser would not read, and the stream fell out of step.
    @Test func continuationLineIsNotAContentLengthHeader() throws {
        var framer = SIPStreamFramer()
        let text = sip("OPTIONS sip:a@b SIP/2.0", "Subject: hello", " l: 2", "Content-Length: 0", "")
        framer.append(octets(text + Self.second))
        #expect(try drain(&framer) == [.message(octets(text)), .message(octets(Self.second))])
    }

    @Test func missingContentLengthIsAnError() {
        var framer = SIPStreamFramer()
        framer.append(octets(options()))
        #expect(throws: SIPStreamFramer.FramingError.missingContentLength) { try framer.parseStep() }
    }

    @Test(arguments: ["-1", "abc", "", "1 2", "99999999999999999999999"])
    func invalidContentLengthIsAnError(value: String) {
        var framer = SIPStreamFramer()
        framer.append(octets(options("Content-Length: \(value)")))
        #expect { try framer.parseStep() } throws: {
            if case .invalidContentLength = $0 as? SIPStreamFramer.FramingError { return true }
            return false
        }
    }

    @Test func oversizedHeaderSectionIsAnError() throws {
        var framer = SIPStreamFramer(maxMessageSize: 200)
        framer.append(octets("OPTIONS sip:a@b SIP/2.0\r\n"))
        #expect(try framer.parseStep() == .insufficientData)
        framer.append(octets(String(repeating: "X-Pad: 0123456789\r\n", count: 10)))
        #expect(throws: SIPStreamFramer.FramingError.headerSectionTooLarge(200)) { try framer.parseStep() }
    }

    /// Regression: a well-formed Content-Length above the limit was reported as "not a non-negative number".
    @Test func contentLengthOverTheLimitIsMessageTooLarge() {
        var framer = SIPStreamFramer(maxMessageSize: 200)
        framer.append(octets(options("Content-Length: 1000")))
        #expect(throws: SIPStreamFramer.FramingError.messageTooLarge(200)) { try framer.parseStep() }
    }

    /// Regression: with no practical limit (`Int.max`), a Content-Length near Int.max overflowed when added to the
    /// header length and trapped.
    @Test func hugeContentLengthWithoutALimitDoesNotTrap() throws {
        var framer = SIPStreamFramer(maxMessageSize: Int.max)
        framer.append(octets(options("Content-Length: 9223372036854775807")))
        #expect(throws: SIPStreamFramer.FramingError.messageTooLarge(Int.max)) { try framer.parseStep() }
        var waiting = SIPStreamFramer(maxMessageSize: Int.max)
        waiting.append(octets(options("Content-Length: 9223372036854775000")))
        #expect(try waiting.parseStep() == .insufficientData)
    }

    @Test func bodyOverTheLimitIsAnError() {
        var framer = SIPStreamFramer(maxMessageSize: 200)
        framer.append(octets(options("Content-Length: 190")))
        #expect(throws: SIPStreamFramer.FramingError.messageTooLarge(200)) { try framer.parseStep() }
    }

    @Test func manyMessagesThroughOneFramer() throws {
        // Enough traffic to pass the point where the framer compacts its buffer.
        var framer = SIPStreamFramer()
        let bytes = octets(Self.first)
        var count = 0
        for _ in 0..<1_000 {
            framer.append(bytes + bytes.prefix(10))
            for step in try drain(&framer) {
                #expect(step == .message(bytes))
                count += 1
            }
            framer.append(bytes.dropFirst(10))
        }
        count += try drain(&framer).count
        #expect(count == 2_000)
        #expect(framer.bufferedCount == 0)
    }
}
