import NIOCore
import NIOPosix
import SIPCore
import SIPFlow
import SIPTransaction
import SIPTransport
import Synchronization
import Testing
@testable import SIPEngine

/// The exact bytes of the requests a caller builds: INVITE, the 2xx ACK, BYE, REGISTER and OPTIONS, with and
/// without the flow's own headers. A change in how requests are written fails here, byte for byte.
@Suite struct RequestBytesTests {
    static let peer = WireFixture.peer

    /// A call of the caller's side of `yaml` (see `WireFixture.call`).
    static func call(_ yaml: String) throws -> (Shard, Call) {
        try WireFixture.call(yaml, as: .initiator, callID: "c1@192.0.2.10")
    }

    static func text(_ bytes: some Sequence<UInt8>) -> String { WireFixture.text(bytes) }

    /// The request the call sent last.
    static func lastRequest(_ call: Call) throws -> String { text(try #require(call.clients.last?.request).rawBytes) }

    /// Answers the call's last request with 200 OK from the callee (To tag `r1`, Contact on port 5080).
    static func answer(_ call: Call, extraHeaders: [(String, String)] = []) throws {
        let request = try #require(call.clients.last?.request)
        let ok = try SIPMessage.response(to: request, statusCode: 200, reason: "OK", toTag: "r1",
                                         extraHeaders: [("Contact", "<sip:callee@127.0.0.1:5080>")] + extraHeaders)
        call.receive(ok, from: peer, at: SIPInstant(nanoseconds: 2_000_000))
    }

    static let sdp = """
        v=0\r
        o=sipflow 1 1 IN IP4 192.0.2.10\r
        s=sipflow\r
        c=IN IP4 192.0.2.10\r
        t=0 0\r
        m=audio 6000 RTP/AVP 0\r
        a=rtpmap:0 PCMU/8000\r
        a=sendrecv\r

        """

    @Test func inviteACKAndBYE() throws {
        let (shard, call) = try Self.call("""
            name: uac
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
                body: sdp/pcmu.sdp
              - callee -> caller: 200
              - caller -> callee: ACK
              - caller -> callee: BYE
              - callee -> caller: 200
            """)
        call.advance(at: SIPInstant(nanoseconds: 1_000_000))
        #expect(try Self.lastRequest(call) == """
            INVITE sip:service@127.0.0.1:5060 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-1;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@192.0.2.10>;tag=t1\r
            To: <sip:service@127.0.0.1:5060>\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 1 INVITE\r
            Contact: <sip:sipflow@192.0.2.10:5070>\r
            Content-Type: application/sdp\r
            Content-Length: 135\r
            \r

            """ + Self.sdp)
        try Self.answer(call)
        #expect(Self.text(try #require(call.acknowledgementBytes())) == """
            ACK sip:callee@127.0.0.1:5080 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-2;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@192.0.2.10>;tag=t1\r
            To: <sip:service@127.0.0.1:5060>;tag=r1\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 1 ACK\r
            Content-Length: 0\r
            \r

            """)
        #expect(try Self.lastRequest(call) == """
            BYE sip:callee@127.0.0.1:5080 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-3;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@192.0.2.10>;tag=t1\r
            To: <sip:service@127.0.0.1:5060>;tag=r1\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 2 BYE\r
            Content-Length: 0\r
            \r

            """)
        _ = shard
    }

    /// A request in the early dialog of a provisional response (RFC 3261 §12.1.2), then the confirmed dialog of the
    /// 2xx, which names another remote target: each request goes where its dialog says.
    @Test func earlyThenConfirmedDialog() throws {
        let (shard, call) = try Self.call("""
            name: early
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
              - callee -> caller: 183
              - caller -> callee: UPDATE
              - callee -> caller: 200
              - callee -> caller: 200
              - caller -> callee: ACK
              - caller -> callee: BYE
              - callee -> caller: 200
            """)
        call.advance(at: SIPInstant(nanoseconds: 1_000_000))
        let invite = try #require(call.clients.last?.request)
        let progress = try SIPMessage.response(to: invite, statusCode: 183, reason: "Session Progress", toTag: "r1",
                                               extraHeaders: [("Contact", "<sip:early@127.0.0.1:5081>")])
        call.receive(progress, from: Self.peer, at: SIPInstant(nanoseconds: 2_000_000))
        #expect(try Self.lastRequest(call) == """
            UPDATE sip:early@127.0.0.1:5081 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-2;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@192.0.2.10>;tag=t1\r
            To: <sip:service@127.0.0.1:5060>;tag=r1\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 2 UPDATE\r
            Contact: <sip:sipflow@192.0.2.10:5070>\r
            Content-Length: 0\r
            \r

            """)
        try Self.answer(call)  // the UPDATE's 200
        let ok = try SIPMessage.response(to: invite, statusCode: 200, reason: "OK", toTag: "r1",
                                         extraHeaders: [("Contact", "<sip:callee@127.0.0.1:5080>")])
        call.receive(ok, from: Self.peer, at: SIPInstant(nanoseconds: 3_000_000))
        #expect(try Self.lastRequest(call) == """
            BYE sip:callee@127.0.0.1:5080 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-4;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@192.0.2.10>;tag=t1\r
            To: <sip:service@127.0.0.1:5060>;tag=r1\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 3 BYE\r
            Content-Length: 0\r
            \r

            """)
        _ = shard
    }

    /// The flow's headers: one named like an engine header replaces it where it stood (compact forms too);
    /// others follow the engine's. In a dialog they follow the dialog's headers.
    @Test func flowHeaders() throws {
        let (shard, call) = try Self.call("""
            name: headers
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
                headers:
                  Subject: call ${call_number}
                  m: <sip:elsewhere@192.0.2.99>
                  Max-Forwards: 10
              - callee -> caller: 200
              - caller -> callee: ACK
                headers:
                  X-Ack: ${local_port}
              - caller -> callee: BYE
                headers:
                  Reason: SIP;cause=200
                body: done
              - callee -> caller: 200
            """)
        call.advance(at: SIPInstant(nanoseconds: 1_000_000))
        #expect(try Self.lastRequest(call) == """
            INVITE sip:service@127.0.0.1:5060 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-1;rport\r
            Max-Forwards: 10\r
            From: <sip:sipflow@192.0.2.10>;tag=t1\r
            To: <sip:service@127.0.0.1:5060>\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 1 INVITE\r
            m: <sip:elsewhere@192.0.2.99>\r
            Subject: call 1\r
            Content-Length: 0\r
            \r

            """)
        try Self.answer(call, extraHeaders: [("Record-Route", "<sip:192.0.2.7;lr>")])
        #expect(Self.text(try #require(call.acknowledgementBytes())) == """
            ACK sip:callee@127.0.0.1:5080 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-2;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@192.0.2.10>;tag=t1\r
            To: <sip:service@127.0.0.1:5060>;tag=r1\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 1 ACK\r
            Route: <sip:192.0.2.7;lr>\r
            X-Ack: 5070\r
            Content-Length: 0\r
            \r

            """)
        #expect(try Self.lastRequest(call) == """
            BYE sip:callee@127.0.0.1:5080 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-3;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@192.0.2.10>;tag=t1\r
            To: <sip:service@127.0.0.1:5060>;tag=r1\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 2 BYE\r
            Route: <sip:192.0.2.7;lr>\r
            Reason: SIP;cause=200\r
            Content-Type: text/plain\r
            Content-Length: 4\r
            \r
            done
            """)
        _ = shard
    }

    /// REGISTER names the address of record in To and From and the registrar's domain as Request-URI
    /// (RFC 3261 §10.2); a request URI written with variables is filled per call.
    /// An IPv6 address in a URI is in brackets (RFC 3261 §25.1 `IPv6reference`): in From, as in Via and Contact.
    @Test func anIPv6HostIsBracketedInEveryURI() throws {
        let (_, call) = try WireFixture.call("""
            name: options
            parties: [client, server]
            steps:
              - client -> server: OPTIONS
              - server -> client: 200
            """, as: .initiator, callID: "c1@2001:db8::10", advertising: "2001:db8::10")
        call.advance(at: SIPInstant(nanoseconds: 1_000_000))
        let lines = try Self.lastRequest(call).split(separator: "\r\n").map(String.init)
        #expect(lines.contains("Via: SIP/2.0/UDP [2001:db8::10]:5070;branch=z9hG4bK0-0-1;rport"), "\(lines)")
        #expect(lines.contains("From: <sip:sipflow@[2001:db8::10]>;tag=t1"), "\(lines)")
        #expect(lines.contains("Contact: <sip:sipflow@[2001:db8::10]:5070>"), "\(lines)")
    }

    @Test func registerAndOptions() throws {
        let (shard, call) = try Self.call("""
            name: register
            parties: [ua, registrar]
            steps:
              - ua -> registrar: REGISTER
                headers:
                  Expires: 600
              - registrar -> ua: 200
              - ua -> registrar: REGISTER sip:registrar.example.com
              - registrar -> ua: 200
              - ua -> registrar: OPTIONS sip:probe@${remote_ip}:${remote_port}
                headers:
                  Accept: application/sdp
              - registrar -> ua: 200
            """)
        call.advance(at: SIPInstant(nanoseconds: 1_000_000))
        #expect(try Self.lastRequest(call) == """
            REGISTER sip:127.0.0.1:5060 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-1;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@127.0.0.1:5060>;tag=t1\r
            To: <sip:sipflow@127.0.0.1:5060>\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 1 REGISTER\r
            Contact: <sip:sipflow@192.0.2.10:5070>\r
            Expires: 600\r
            Content-Length: 0\r
            \r

            """)
        try Self.answer(call)
        #expect(try Self.lastRequest(call) == """
            REGISTER sip:registrar.example.com SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-2;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@registrar.example.com>;tag=t1\r
            To: <sip:sipflow@registrar.example.com>\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 2 REGISTER\r
            Contact: <sip:sipflow@192.0.2.10:5070>\r
            Content-Length: 0\r
            \r

            """)
        try Self.answer(call)
        #expect(try Self.lastRequest(call) == """
            OPTIONS sip:probe@127.0.0.1:5060 SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK0-0-3;rport\r
            Max-Forwards: 70\r
            From: <sip:sipflow@192.0.2.10>;tag=t1\r
            To: <sip:probe@127.0.0.1:5060>\r
            Call-ID: c1@192.0.2.10\r
            CSeq: 3 OPTIONS\r
            Contact: <sip:sipflow@192.0.2.10:5070>\r
            Accept: application/sdp\r
            Content-Length: 0\r
            \r

            """)
        _ = shard
    }

    /// A retransmitted 2xx gets the very ACK sent for the first one (RFC 3261 §13.2.2.4), though the call has
    /// dropped the INVITE transaction and rewrites the ACK; with a `${seq}` in the ACK's headers the call keeps the
    /// ACK's bytes instead. A 2xx to another INVITE gets nothing.
    @Test(arguments: ["${local_port}", "${seq}"])
    func retransmitted2xxGetsTheSameACK(header: String) async throws {
        do {
            let (shard, call) = try Self.call("""
                name: hold
                parties: [caller, callee]
                steps:
                  - caller -> callee: INVITE
                  - callee -> caller: 200
                  - caller -> callee: ACK
                    headers:
                      X-Ack: \(header)
                  - pause: 10s
                  - caller -> callee: BYE
                  - callee -> caller: 200
                """)
            let tap = WireFixture.host(of: shard)
            call.advance(at: SIPInstant(nanoseconds: 1_000_000))
            let invite = try #require(call.clients.last?.request)
            let ok = try SIPMessage.response(to: invite, statusCode: 200, reason: "OK", toTag: "r1",
                                             extraHeaders: [("Contact", "<sip:callee@127.0.0.1:5080>")])
            call.receive(ok, from: Self.peer, at: SIPInstant(nanoseconds: 2_000_000))
            #expect(call.clients.isEmpty, "the INVITE transaction is dropped once the ACK went")
            #expect(shard.wheel.count == 1, "its timers went with it: only the pause's timer is left")
            let first = try #require(tap.sent.last?.bytes)
            #expect(Self.text(first).hasPrefix("ACK sip:callee@127.0.0.1:5080 SIP/2.0\r\n"))
            #expect(Self.text(first).contains("X-Ack: "))

            call.receive(ok, from: Self.peer, at: SIPInstant(nanoseconds: 500_000_000))
            call.receive(ok, from: Self.peer, at: SIPInstant(nanoseconds: 1_500_000_000))
            #expect(tap.sent.count == 4)
            #expect(tap.sent.suffix(2).allSatisfy { $0.bytes == first }, "the same ACK, byte for byte")

            let other = try SIPMessage.response(to: invite, statusCode: 200, reason: "OK", toTag: "r1").rawBytes
            let reINVITE = try SIPParser().parse(Array(Self.text(other).replacingOccurrences(of: "CSeq: 1 INVITE",
                                                                                               with: "CSeq: 7 INVITE").utf8))
            call.receive(reINVITE, from: Self.peer, at: SIPInstant(nanoseconds: 1_600_000_000))
            #expect(tap.sent.count == 4, "a 2xx to another INVITE is not acknowledged")
        }
    }
}
