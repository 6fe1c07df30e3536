import Testing
@testable import SIPCore

/// Parser resource limits: inputs beyond them are refused with a `SIPParseError`, never a crash.
@Suite struct ParserLimitsTests {
    @Test func messageOverTheSizeLimitThrows() {
        let limits = SIPParserLimits(maxMessageSize: 100)
        #expect {
            try SIPMessage(parsing: options(body: String(repeating: "x", count: 200)), limits: limits)
        } throws: { ($0 as? SIPParseError)?.kind == .messageTooLarge }
    }

    @Test func messageAtTheSizeLimitParses() throws {
        let text = options()
        let exact = SIPParserLimits(maxMessageSize: text.utf8.count)
        #expect(try SIPMessage(parsing: text, limits: exact).method == .options)
        let under = SIPParserLimits(maxMessageSize: text.utf8.count - 1)
        #expect { try SIPMessage(parsing: text, limits: under) } throws: { ($0 as? SIPParseError)?.kind == .messageTooLarge }
    }

    @Test func tooManyHeadersThrows() throws {
        let limits = SIPParserLimits(maxHeaderCount: 5)
        #expect(try SIPMessage(parsing: options(), limits: limits).headers.count == 5)
        #expect {
            try SIPMessage(parsing: options("Subject: one too many"), limits: limits)
        } throws: { ($0 as? SIPParseError)?.kind == .tooManyHeaders && ($0 as? SIPParseError)?.line == 7 }
    }

    @Test func lineOverTheLengthLimitThrows() throws {
        let limits = SIPParserLimits(maxLineLength: 64)
        let long = "Subject: " + String(repeating: "s", count: 60)
        #expect {
            try SIPMessage(parsing: options(long), limits: limits)
        } throws: { ($0 as? SIPParseError)?.kind == .lineTooLong && ($0 as? SIPParseError)?.line == 7 }
        // The last line without a line end counts too.
        #expect {
            try SIPMessage(parsing: "OPTIONS sip:a@b SIP/2.0\r\n" + long, limits: limits)
        } throws: { ($0 as? SIPParseError)?.kind == .lineTooLong }
        #expect(try SIPMessage(parsing: options("Subject: short"), limits: limits).firstValue(.subject) == "short")
    }

    @Test func defaultLimitsRefuseAHugeHeaderSection() {
        let many = (0..<300).map { "X-H\($0): v" }
        #expect {
            try SIPMessage(parsing: sip(["OPTIONS sip:a@b SIP/2.0"] + many + [""]))
        } throws: { ($0 as? SIPParseError)?.kind == .tooManyHeaders }
    }
}
