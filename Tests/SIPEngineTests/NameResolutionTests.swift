import SIPCore
import Testing
@testable import SIPEngine

/// Host names in what a dialog learns (RFC 3263 §4.2): resolved off the event loop, the message that named one
/// handled once the answer is in.
@Suite(.serialized) struct NameResolutionTests {
    /// A callee whose 200 gives its Contact as `localhost`: the ACK and the BYE go to the name's address (of the
    /// caller's socket family: localhost also has ::1), and the calls complete.
    @Test func aRemoteTargetNamedByHostNameIsResolvedAndReached() async throws {
        let peer = try ScriptedUAS(.init(ok: { r in
            r.replace("Contact", with: r.value("Contact")!.replacingOccurrences(of: "127.0.0.1", with: "localhost"))
        }), t1: MisbehavingPeerTests.t1)
        let o = try await MisbehavingPeerTests.run(against: peer)
        #expect(o.stats.completed == UInt64(MisbehavingPeerTests.calls), "\(o.stats.failures) \(o.stats.failureExamples)")
        #expect(peer.calls("ACK") == MisbehavingPeerTests.calls)
        #expect(peer.calls("BYE") == MisbehavingPeerTests.calls)
        for bye in peer.received("BYE") {
            #expect(bye.text.hasPrefix("BYE sip:uas@localhost:\(peer.port) SIP/2.0"), "\(bye.text)")
        }
    }

    /// The cheap look that spares almost every message a parse: false only for an IP address host.
    @Test(arguments: [("<sip:uas@127.0.0.1:5060>", false), ("sip:10.0.0.1;lr", false), ("<sip:[::1]:5070>", false),
                      ("<sip:uas@localhost:5060>", true), ("<sip:proxy.example.com;lr>", true),
                      ("\"A: B\" <sip:a@host.example>", true), ("<sip:1.2.3.4>, <sip:p.example>", true),
                      ("<sip:3com.example>", true)])
    func onlyHostsThatMayBeNamesAreParsed(_ value: String, _ may: Bool) {
        #expect(Shard.mayNameAHost(ByteString(value)) == may)
    }
}
