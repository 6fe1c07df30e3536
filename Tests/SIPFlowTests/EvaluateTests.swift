import SIPCore
import Testing
@testable import SIPFlow

/// Assertions and captures applied to a received message, as the engine will.
@Suite struct EvaluateTests {
    static let ok = try! SIPMessage(parsing: """
        SIP/2.0 200 OK\r
        Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r
        From: <sip:a@x>;tag=1\r
        t: <sip:b@x>;tag=abc\r
        Call-ID: c1\r
        CSeq: 1 INVITE\r
        Server: kamailio (5.7.4)\r
        x: 1800;refresher=uac\r
        Content-Type: application/sdp\r
        Content-Length: 50\r
        \r
        v=0\r
        c=IN IP4 192.0.2.9\r
        m=audio 49170 RTP/AVP 0\r

        """)

    static func assertion(_ subject: Assertion.Subject, _ check: Assertion.Check) -> Assertion {
        Assertion(subject: subject, check: check, location: SourceLocation(file: "", line: 0, column: 0))
    }

    @Test func headerChecks() {
        let render = { (t: Template) in t.render { _ in "kama" } }
        #expect(Self.assertion(.header("Server"), .contains("kamailio")).holds(in: Self.ok, render: render))
        #expect(Self.assertion(.header("server"), .contains(Template(segments: [.variable(.builtin(.seq)), .literal("ilio")]))).holds(in: Self.ok, render: render))
        #expect(!Self.assertion(.header("Server"), .contains("asterisk")).holds(in: Self.ok, render: render))
        #expect(Self.assertion(.header("Call-ID"), .equals("c1")).holds(in: Self.ok, render: render))
        #expect(!Self.assertion(.header("Call-ID"), .equals("c")).holds(in: Self.ok, render: render))
        #expect(Self.assertion(.header("To"), .matches(Pattern("tag=[a-z]+")!)).holds(in: Self.ok, render: render))
        #expect(Self.assertion(.header("Server"), .present(true)).holds(in: Self.ok, render: render))
        #expect(Self.assertion(.header("User-Agent"), .present(false)).holds(in: Self.ok, render: render))
        #expect(!Self.assertion(.header("User-Agent"), .present(true)).holds(in: Self.ok, render: render))
    }

    @Test func theSampleMessageParsesCleanly() {
        #expect(Self.ok.issues.isEmpty)
        #expect(Self.ok.statusCode == 200)
    }

    @Test func bodyChecks() {
        let render = { (t: Template) in t.literalText }
        #expect(Self.assertion(.body, .matches(Pattern("m=audio \\d+")!)).holds(in: Self.ok, render: render))
        #expect(Self.assertion(.body, .contains("c=IN IP4 192.0.2.9")).holds(in: Self.ok, render: render))
        #expect(!Self.assertion(.body, .equals("v=0")).holds(in: Self.ok, render: render))
    }

    @Test func capturesFromBodyAndCompactHeaders() {
        func capture(_ source: Assertion.Subject, _ pattern: String?) -> String? {
            Capture(name: "v", slot: 0, source: source, pattern: pattern.flatMap(Pattern.init),
                    location: SourceLocation(file: "", line: 0, column: 0)).value(in: Self.ok)
        }
        #expect(capture(.body, "m=audio (\\d+)") == "49170")
        #expect(capture(.header("Session-Expires"), nil) == "1800;refresher=uac")
        #expect(capture(.header("Session-Expires"), "^(\\d+)") == "1800")
        #expect(capture(.header("To"), "tag=([^;]+)") == "abc")
        #expect(capture(.header("Min-SE"), nil) == nil)
        #expect(capture(.body, "m=video (\\d+)") == nil)
    }
}
