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
