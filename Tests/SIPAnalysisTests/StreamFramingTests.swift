import Testing
@testable import SIPAnalysis
import SIPPcap

/// SIP over TCP (RFC 3261 §18.3): messages framed by Content-Length whatever the segments, and picked up again at
/// the next start line after bytes were lost.
@Suite struct StreamFramingTests {
    @Test func severalMessagesInOnePayloadAreEachCounted() {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        let bytes = Array((f.request("OPTIONS") + f.request("OPTIONS", cseq: 2, branch: "z9hG4bK-2")).utf8)
        _ = analyzer.run([f.tcp(bytes, at: 0)])
        #expect(analyzer.summary.sipMessages == 2 && analyzer.summary.requests == 2)
    }

    @Test func oneMessageAcrossPayloadsIsOneMessage() {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        let bytes = Array((f.request("INVITE") + "\r\n\r\n").utf8)
        let pieces = stride(from: 0, to: bytes.count, by: 37).map { Array(bytes[$0..<min($0 + 37, bytes.count)]) }
        _ = analyzer.run(pieces.enumerated().map { f.tcp($1, at: Double($0)) })
        #expect(analyzer.summary.sipMessages == 1 && analyzer.summary.keepAlives == 1)
        #expect(analyzer.summary.findings.isEmpty, "\(analyzer.summary.findings)")
    }

    /// A capture that starts mid-message, or a gap: the partial message is dropped, the next one is read whole.
    @Test func afterAGapTheNextStartLineIsFound() {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        let first = Array(f.request("OPTIONS").utf8)
        let second = Array(f.request("OPTIONS", cseq: 2, branch: "z9hG4bK-2").utf8)
        _ = analyzer.run([
            f.tcp(Array(first.dropFirst(30)) + second, at: 0, gap: true),   // starts mid-way through the first
            f.tcp(Array(first.prefix(50)), at: 1),
            f.tcp(second, at: 2, gap: true),                                  // the rest of that one was lost
        ])
        #expect(analyzer.summary.sipMessages == 2, "\(analyzer.summary)")
        #expect(analyzer.summary.notSIP == 1, "the tail of the first message")
    }

    /// Bytes after a gap need not start a line: a capture picked up inside "INVITE sip:… SIP/2.0" begins with
    /// "VITE sip:… SIP/2.0", which is not a request of method VITE but the tail of the INVITE.
    @Test func aStreamPickedUpInsideARequestLineDoesNotTakeItsTailForARequest() {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        let invite = Array(f.request("INVITE").utf8)
        let options = Array(f.request("OPTIONS", cseq: 2, branch: "z9hG4bK-2").utf8)
        _ = analyzer.run([f.tcp(Array(invite.dropFirst(2)) + options, at: 0, gap: true)])
        #expect(analyzer.summary.sipMessages == 1 && analyzer.summary.calls == ["options": 1], "\(analyzer.summary)")
        #expect(analyzer.summary.notSIP == 1, "the INVITE's tail")
        // Held over to the next piece, with no line end in it, the tail is still not taken for a start line.
        var g = CallFixtures()
        var again = CaptureAnalyzer()
        _ = again.run([g.tcp(Array("VITE sip:bob@127.0.0.1:5070 SIP".utf8), at: 0, gap: true),
                       g.tcp(Array("/2.0\r\n".utf8) + Array(invite.dropFirst(invite.firstIndex(of: 0x0A)! + 1)) + options, at: 1)])
        #expect(again.summary.sipMessages == 1 && again.summary.calls == ["options": 1], "\(again.summary)")
    }

    /// After a gap, a line at the very start is taken for a start line only if it is a status line or names a
    /// method of the catalogue; after a line end any method token starts a request.
    @Test func afterAGapAnUnknownMethodIsTakenOnlyAfterALineEnd() {
        let custom = Array("X-CUSTOM sip:a@b SIP/2.0\r\n".utf8)
        #expect(SIPRecognition.nextStartLine(in: custom) == 0)
        #expect(SIPRecognition.nextStartLine(in: custom, atLineStart: false) == nil)
        #expect(SIPRecognition.nextStartLine(in: Array("x\r\n".utf8) + custom, atLineStart: false) == 3)
        #expect(SIPRecognition.nextStartLine(in: Array("BYE sip:x SIP/2.0\r\n".utf8), atLineStart: false) == 0)
        #expect(SIPRecognition.nextStartLine(in: Array("SIP/2.0 200 OK\r\n".utf8), atLineStart: false) == 0)
    }

    @Test func aMessageWithoutContentLengthCannotBeFramed() {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        let text = f.request("OPTIONS").replacingOccurrences(of: "Content-Length: 0\r\n", with: "")
        _ = analyzer.run([f.tcp(Array(text.utf8), at: 0), f.tcp(Array(f.request("OPTIONS", cseq: 2).utf8), at: 1)])
        #expect(analyzer.summary.skipped["unframable-sip"] == 1)
        #expect(analyzer.summary.sipMessages == 1, "the next message is framed again")
    }

    @Test func startLinesAreRecognisedByContent() {
        #expect(SIPRecognition.startsWithStartLine(Array("INVITE sip:a@b SIP/2.0\r\n".utf8)))
        #expect(SIPRecognition.startsWithStartLine(Array("SIP/2.0 180 Ringing\r\n".utf8)))
        #expect(SIPRecognition.startsWithStartLine(Array("X-CUSTOM sip:a@b SIP/2.0\r\n".utf8)))
        #expect(!SIPRecognition.startsWithStartLine(Array("GET / HTTP/1.1\r\n".utf8)))
        #expect(!SIPRecognition.startsWithStartLine(Array("SIP/2.0 18 Short\r\n".utf8)))
        #expect(!SIPRecognition.startsWithStartLine(Array("INVITE sip:a@b SIP/2.0".utf8)), "no line end")
        #expect(!SIPRecognition.startsWithStartLine(Array(" SIP/2.0\r\n".utf8)))
        #expect(SIPRecognition.nextStartLine(in: Array("junk\r\nBYE sip:x SIP/2.0\r\n".utf8)) == 6)
    }
}
