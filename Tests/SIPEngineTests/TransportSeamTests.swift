import NIOCore
import SIPCore
import SIPTransaction
import SIPTransport
import Testing
@testable import SIPEngine

/// The engine names where a message goes as a `Destination` (transport, address, connection), and takes Via and
/// Contact from the transport that sends (RFC 3261 §18.1.1, §20.42).
@Suite struct TransportSeamTests {
    static let flow = """
        name: seam
        parties: [caller, callee]
        steps:
          - caller -> callee: INVITE
          - callee -> caller: 200
          - caller -> callee: ACK
          - caller -> callee: BYE
          - callee -> caller: 200

        """

    @Test func viaAndContactCarryTheSendingTransport() throws {
        let (shard, _) = try WireFixture.call(Self.flow, as: .initiator, callID: "c1@192.0.2.10")
        #expect(WireFixture.text(shard.viaPrefix) == "SIP/2.0/UDP 192.0.2.10:5070;branch=")
        #expect(shard.contact == "<sip:sipflow@192.0.2.10:5070>")
        shard.advertise(ip: "192.0.2.10", port: 5070, transport: .tcp)
        #expect(WireFixture.text(shard.viaPrefix) == "SIP/2.0/TCP 192.0.2.10:5070;branch=")
        #expect(shard.contact == "<sip:sipflow@192.0.2.10:5070;transport=tcp>")
    }

    /// The remote target's `transport` parameter names the transport of in-dialog requests; `sips:` means TLS;
    /// without either, the endpoint's own.
    @Test(arguments: [("<sip:callee@127.0.0.1:5080>", SIPTransportKind.udp),
                      ("<sip:callee@127.0.0.1:5080;transport=tcp>", .tcp),
                      ("<sip:callee@127.0.0.1:5080;transport=TLS>", .tls),
                      ("<sips:callee@127.0.0.1:5080>", .tls)])
    func inDialogDestinationsTakeTheTransportTheTargetNames(_ contact: String, _ transport: SIPTransportKind) throws {
        let (shard, call) = try WireFixture.call(Self.flow, as: .initiator, callID: "c1@192.0.2.10")
        call.advance(at: SIPInstant(nanoseconds: 1_000_000))
        let invite = try #require(call.clients.last?.request)
        let ok = try SIPMessage.response(to: invite, statusCode: 200, reason: "OK", toTag: "r1",
                                         extraHeaders: [("Contact", contact)])
        call.receive(ok, from: WireFixture.peer, at: SIPInstant(nanoseconds: 2_000_000))
        let dialog = try #require(call.dialog)
        let destination = try shard.destination(for: dialog)
        #expect(destination.transport == transport)
        #expect(destination.hostPort == "127.0.0.1:5080")
        #expect(destination.connection == nil)
    }

    @Test func aDestinationNamesItsPeerAsMessagesDo() throws {
        let v6 = Destination(.udp, try SocketAddress(ipAddress: "::1", port: 5060))
        #expect(v6.hostPort == "[::1]:5060")
        #expect(v6.description == "UDP [::1]:5060")
    }
}
