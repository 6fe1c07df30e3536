import NIOCore
import NIOPosix
import SIPCore
import SIPFlow
import SIPTransaction
import SIPTransport
import Testing
@testable import SIPEngine

/// The exact bytes of the responses a callee builds: 100, 180 and 200 with SDP to an INVITE, 200 to BYE, 200 to
/// REGISTER with the bindings, and responses with the flow's own headers, reason phrases and bodies. A change in how
/// responses are written fails here, byte for byte.
@Suite struct ResponseBytesTests {
    static let peer = WireFixture.peer

    /// A call of the callee's side of `yaml` (see `WireFixture.call`), started: it waits for the request.
    static func call(_ yaml: String) throws -> (Shard, Call) {
        let (shard, call) = try WireFixture.call(yaml, as: .responder, callID: "c1@127.0.0.1")
        call.advance(at: SIPInstant(nanoseconds: 1_000_000))
        return (shard, call)
    }

    static func text(_ bytes: some Sequence<UInt8>) -> String { WireFixture.text(bytes) }

    /// The response the call sent last, as its server transaction keeps it (or, once the call has ended and let go
    /// of its transactions, as the shard keeps it for timer J).
    static func lastResponse(_ call: Call) throws -> String {
        if call.released, let answer = call.shard.lingering[call.callID]?.answers.last { return text(answer.response) }
        let entry = try #require(call.servers.last)
        switch entry.transaction {
        case .invite(let tx): return text(try #require(tx.lastResponse))
        case .nonInvite(let tx): return text(try #require(tx.lastResponse))
        case .moving: throw EngineError("the transaction is moving")
        }
    }

    /// Delivers `lines` (CRLF added to each, then the empty line) to the call as a request from the peer.
    static func receive(_ call: Call, _ lines: [String], at ms: UInt64) throws {
        let request = try SIPMessage(parsing: Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8))
        call.receive(request, from: peer, at: SIPInstant(nanoseconds: ms * 1_000_000))
    }

    /// Ends the pause the call is in.
    static func endPause(_ call: Call, at ms: UInt64) {
        call.timerFired(.pauseEnd(call.generation), at: SIPInstant(nanoseconds: ms * 1_000_000))
    }

    static let invite = [
        "INVITE sip:service@192.0.2.10:5070 SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKproxy1",
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-c1-1;rport=5060",
        "Max-Forwards: 69",
        "Record-Route: <sip:192.0.2.7;lr>",
        "From: \"Alice\" <sip:alice@127.0.0.1:5060>;tag=a1",
        "To: <sip:service@192.0.2.10:5070>",
        "Call-ID: c1@127.0.0.1",
        "CSeq: 1 INVITE",
        "Contact: <sip:alice@127.0.0.1:5060>",
        "Content-Length: 0",
    ]

    static let ack = [
        "ACK sip:sipflow@192.0.2.10:5070 SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKproxy2",
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-c1-2;rport=5060",
        "Max-Forwards: 69",
        "From: \"Alice\" <sip:alice@127.0.0.1:5060>;tag=a1",
        "To: <sip:service@192.0.2.10:5070>;tag=t1",
        "Call-ID: c1@127.0.0.1",
        "CSeq: 1 ACK",
        "Content-Length: 0",
    ]

    static let bye = [
        "BYE sip:sipflow@192.0.2.10:5070 SIP/2.0",
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-c1-3;rport",
        "Max-Forwards: 70",
        "From: \"Alice\" <sip:alice@127.0.0.1:5060>;tag=a1",
        "To: <sip:service@192.0.2.10:5070>;tag=t1",
        "Call-ID: c1@127.0.0.1",
        "CSeq: 2 BYE",
        "Content-Length: 0",
    ]

    static let copiedVias = """
        Via: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKproxy1\r
        Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-c1-1;rport=5060\r
        From: "Alice" <sip:alice@127.0.0.1:5060>;tag=a1\r

        """

    @Test func inviteAndBYE() throws {
        let (shard, call) = try Self.call("""
            name: uas
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
              - callee -> caller: 100
              - pause: 10ms
              - callee -> caller: 180
              - pause: 10ms
              - callee -> caller: 200
                body: sdp/pcmu.sdp
              - caller -> callee: ACK
              - caller -> callee: BYE
              - callee -> caller: 200
            """)
        try Self.receive(call, Self.invite, at: 2)
        #expect(try Self.lastResponse(call) == "SIP/2.0 100 Trying\r\n" + Self.copiedVias + """
            To: <sip:service@192.0.2.10:5070>\r
            Call-ID: c1@127.0.0.1\r
            CSeq: 1 INVITE\r
            Content-Length: 0\r
            \r

            """)
        Self.endPause(call, at: 20)
        #expect(try Self.lastResponse(call) == "SIP/2.0 180 Ringing\r\n" + Self.copiedVias + """
            To: <sip:service@192.0.2.10:5070>;tag=t1\r
            Call-ID: c1@127.0.0.1\r
            CSeq: 1 INVITE\r
            Contact: <sip:sipflow@192.0.2.10:5070>\r
            Content-Length: 0\r
            \r

            """)
        Self.endPause(call, at: 30)
        #expect(try Self.lastResponse(call) == "SIP/2.0 200 OK\r\n" + Self.copiedVias + """
            To: <sip:service@192.0.2.10:5070>;tag=t1\r
            Call-ID: c1@127.0.0.1\r
            CSeq: 1 INVITE\r
            Record-Route: <sip:192.0.2.7;lr>\r
            Contact: <sip:sipflow@192.0.2.10:5070>\r
            Content-Type: application/sdp\r
            Content-Length: 135\r
            \r
            v=0\r
            o=sipflow 1 1 IN IP4 192.0.2.10\r
            s=sipflow\r
            c=IN IP4 192.0.2.10\r
            t=0 0\r
            m=audio 6000 RTP/AVP 0\r
            a=rtpmap:0 PCMU/8000\r
            a=sendrecv\r

            """)
        #expect(call.dialog?.state == .confirmed)
        try Self.receive(call, Self.ack, at: 40)
        try Self.receive(call, Self.bye, at: 50)
        #expect(try Self.lastResponse(call) == """
            SIP/2.0 200 OK\r
            Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-c1-3;rport\r
            From: "Alice" <sip:alice@127.0.0.1:5060>;tag=a1\r
            To: <sip:service@192.0.2.10:5070>;tag=t1\r
            Call-ID: c1@127.0.0.1\r
            CSeq: 2 BYE\r
            Content-Length: 0\r
            \r

            """)
        #expect(call.finished)
        _ = shard
    }

    /// INVITE, 200, ACK, BYE, 200: no provisional response, no pause.
    static let shortCall = """
        name: short
        parties: [caller, callee]
        steps:
          - caller -> callee: INVITE
          - callee -> caller: 200
          - caller -> callee: ACK
          - caller -> callee: BYE
          - callee -> caller: 200
        """

    /// Once the 2xx is acknowledged the call drops the INVITE transaction, and still absorbs what that transaction
    /// would have: the INVITE again (by its CSeq, as a retransmission) and the ACK again. A new INVITE with a higher
    /// CSeq is not taken for a retransmission, and the BYE that follows is answered.
    @Test func droppedInviteTransactionStillAbsorbsRetransmissions() throws {
        let flow = Self.shortCall
        let (shard, call) = try Self.call(flow)
        try Self.receive(call, Self.invite, at: 2)
        #expect(call.servers.count == 1)
        try Self.receive(call, Self.ack, at: 3)
        #expect(call.servers.isEmpty, "the acknowledged INVITE transaction is dropped")
        #expect(shard.wheel.count == 1, "its timers went with it: only the BYE's wait is timed")
        try Self.receive(call, Self.invite, at: 600)
        try Self.receive(call, Self.ack, at: 700)
        #expect(!call.finished && call.servers.isEmpty, "the retransmitted INVITE and ACK are absorbed")
        #expect(shard.stats.failed == 0)
        try Self.receive(call, Self.bye, at: 800)
        #expect(try Self.lastResponse(call).hasPrefix("SIP/2.0 200 OK\r\n"))
        #expect(call.finished && shard.stats.failed == 0 && shard.stats.completed == 1)

        let (later, other) = try Self.call(flow)
        try Self.receive(other, Self.invite, at: 2)
        try Self.receive(other, Self.ack, at: 3)
        try Self.receive(other, Self.invite.map { $0 == "CSeq: 1 INVITE" ? "CSeq: 2 INVITE" : $0 }, at: 600)
        #expect(other.finished && later.stats.failed == 1, "an INVITE with a higher CSeq is not a retransmission")
    }

    /// An ended call lets go of itself at once though its BYE's transaction waits out timer J (64·T1): the shard
    /// keeps only the 200, sends it again for each retransmission of that BYE, drops other requests of the call,
    /// and forgets the call when timer J ends (RFC 3261 §17.2.2).
    @Test func anEndedCallLingersAsItsLastResponse() throws {
        let (shard, call) = try Self.call(Self.shortCall)
        shard.calls.insert(call)
        try Self.receive(call, Self.invite, at: 2)
        try Self.receive(call, Self.ack, at: 3)
        try Self.receive(call, Self.bye, at: 50)
        #expect(call.finished && call.released && shard.calls.isEmpty && call.servers.isEmpty)
        let ended = try #require(shard.lingering[call.callID])
        #expect(Self.text(ended.answers.map(\.response).joined()).hasPrefix("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-c1-3;rport\r\n"))
        #expect(ended.until == SIPInstant(nanoseconds: 50_000_000) + .milliseconds(500) * 64)

        func arrives(_ lines: [String]) throws {
            let bytes = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
            shard.handle(InboundMessage(bytes: bytes, source: WireFixture.peerAddress, local: WireFixture.peerAddress, transport: .udp,
                                        receivedAt: .now()))
        }
        let sent = shard.stats.messagesSent
        try arrives(Self.bye)
        #expect(shard.stats.messagesSent == sent + 1, "the retransmitted BYE gets the 200 again")
        let via = "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-c1-"
        try arrives(Self.bye.map { $0 == via + "3;rport" ? via + "4;rport" : $0 })
        try arrives(Self.ack)
        // A retransmission of the INVITE that reaches an overloaded callee after the call it made has ended: not a
        // new call, which would answer for nothing and then fail on timer H.
        try arrives(Self.invite)
        #expect(shard.stats.messagesSent == sent + 1, "other requests of the ended call are dropped, as the call dropped them")
        #expect(shard.calls.isEmpty && shard.stats.started == 0, "nothing was taken for a new call")

        shard.forgetLingering(at: SIPInstant(nanoseconds: ended.until.nanoseconds - 1_000_000))
        #expect(shard.lingering[call.callID] != nil)
        shard.forgetLingering(at: ended.until)
        #expect(shard.lingering.isEmpty, "forgotten when timer J ends")
    }

    /// The flow's headers follow the engine's Contact, literal or with variables; a flow Contact (compact `m` too)
    /// or Content-Type replaces the engine's. Variables are filled in the order headers, body, reason phrase.
    @Test func flowHeadersReasonsAndBodies() throws {
        let (shard, call) = try Self.call("""
            name: headers
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
              - callee -> caller: 183 Progress ${seq}
                headers:
                  X-Seq: ${seq}
                  Subject: early media
                body: seq ${seq}
              - pause: 10ms
              - callee -> caller: 200 Fine
                headers:
                  m: <sip:other@192.0.2.99>
                  X-Port: ${local_port}
                  Content-Type: text/x-demo
                body: fixed body
              - caller -> callee: ACK
              - caller -> callee: BYE
              - callee -> caller: 200
                headers:
                  Reason: SIP;cause=200
                  X-Empty: ""
            """)
        try Self.receive(call, Self.invite, at: 2)
        #expect(try Self.lastResponse(call) == "SIP/2.0 183 Progress 3\r\n" + Self.copiedVias + """
            To: <sip:service@192.0.2.10:5070>;tag=t1\r
            Call-ID: c1@127.0.0.1\r
            CSeq: 1 INVITE\r
            Contact: <sip:sipflow@192.0.2.10:5070>\r
            X-Seq: 1\r
            Subject: early media\r
            Content-Type: text/plain\r
            Content-Length: 5\r
            \r
            seq 2
            """)
        Self.endPause(call, at: 20)
        #expect(try Self.lastResponse(call) == "SIP/2.0 200 Fine\r\n" + Self.copiedVias + """
            To: <sip:service@192.0.2.10:5070>;tag=t1\r
            Call-ID: c1@127.0.0.1\r
            CSeq: 1 INVITE\r
            Record-Route: <sip:192.0.2.7;lr>\r
            m: <sip:other@192.0.2.99>\r
            X-Port: 5070\r
            Content-Type: text/x-demo\r
            Content-Length: 10\r
            \r
            fixed body
            """)
        try Self.receive(call, Self.ack, at: 30)
        try Self.receive(call, Self.bye, at: 40)
        #expect(try Self.lastResponse(call) == """
            SIP/2.0 200 OK\r
            Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-c1-3;rport\r
            From: "Alice" <sip:alice@127.0.0.1:5060>;tag=a1\r
            To: <sip:service@192.0.2.10:5070>;tag=t1\r
            Call-ID: c1@127.0.0.1\r
            CSeq: 2 BYE\r
            Reason: SIP;cause=200\r
            X-Empty: \r
            Content-Length: 0\r
            \r

            """)
        _ = shard
    }

    /// A 2xx to REGISTER lists the binding with its expiry (RFC 3261 §10.3 step 8): the Expires header's, else
    /// 3600, unless the Contact gives its own. No engine Contact.
    @Test func register() throws {
        let (shard, call) = try Self.call("""
            name: registrar
            parties: [ua, registrar]
            steps:
              - ua -> registrar: REGISTER
              - registrar -> ua: 200
              - ua -> registrar: REGISTER
              - registrar -> ua: 200
                headers:
                  Date: Sat, 13 Nov 2010 23:29:00 GMT
            """)
        func register(_ sequence: Int, _ extra: [String]) -> [String] {
            [
                "REGISTER sip:192.0.2.10:5070 SIP/2.0",
                "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-r\(sequence);rport",
                "Max-Forwards: 70",
                "From: <sip:alice@192.0.2.10:5070>;tag=a1",
                "To: <sip:alice@192.0.2.10:5070>",
                "Call-ID: c1@127.0.0.1",
                "CSeq: \(sequence) REGISTER",
            ] + extra + ["Content-Length: 0"]
        }
        try Self.receive(call, register(1, ["Contact: <sip:alice@127.0.0.1:5060>", "Expires: 600"]), at: 2)
        #expect(try Self.lastResponse(call) == """
            SIP/2.0 200 OK\r
            Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-r1;rport\r
            From: <sip:alice@192.0.2.10:5070>;tag=a1\r
            To: <sip:alice@192.0.2.10:5070>;tag=t1\r
            Call-ID: c1@127.0.0.1\r
            CSeq: 1 REGISTER\r
            Contact: <sip:alice@127.0.0.1:5060>;expires=600\r
            Content-Length: 0\r
            \r

            """)
        try Self.receive(call, register(2, ["Contact: *", "Contact: <sip:alice@127.0.0.1:5060>;expires=60, <sip:a2@127.0.0.1>"]),
                         at: 10)
        #expect(try Self.lastResponse(call) == """
            SIP/2.0 200 OK\r
            Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-r2;rport\r
            From: <sip:alice@192.0.2.10:5070>;tag=a1\r
            To: <sip:alice@192.0.2.10:5070>;tag=t1\r
            Call-ID: c1@127.0.0.1\r
            CSeq: 2 REGISTER\r
            Contact: <sip:alice@127.0.0.1:5060>;expires=60\r
            Date: Sat, 13 Nov 2010 23:29:00 GMT\r
            Content-Length: 0\r
            \r

            """)
        _ = shard
    }
}
