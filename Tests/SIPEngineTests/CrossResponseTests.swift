import Testing
@testable import SIPEngine

/// The responses of one transaction checked against each other (RFC 3261 §12.1.1, §17.2.1, §16.7), against
/// scripted callees that break one rule each; the calls still end properly with the peer.
@Suite(.serialized) struct CrossResponseTests {
    static let n = MisbehavingPeerTests.calls

    /// A 486 then a 200 with the same To tag: two finals from one UAS. The 486 fails the call; the 200 is still
    /// ACKed and its dialog ended with BYE.
    @Test func a200AfterA486FromTheSameUASIsAFindingAndStillEnded() async throws {
        let peer = try ScriptedUAS(.init(finalBefore200: "486 Busy Here"), t1: MisbehavingPeerTests.t1)
        let o = try await MisbehavingPeerTests.run(against: peer)
        let finding = try #require(o.stats.conformance["rfc3261.17.2.1.one-final-response"], "\(o.stats.conformance.keys.sorted())")
        #expect(finding.firstExample.contains("a 200 follows the 486 with the same To tag (To tag 'uas-tag')"), "\(finding.firstExample)")
        #expect(o.stats.completed == 0)
        #expect(peer.received("ACK").count >= 2 * Self.n, "the 486's ACK and the 200's: \(peer.received("ACK").count)")
        #expect(peer.calls("BYE") == Self.n,
                "the 200's dialog is ended")
        #expect(o.exchange < .seconds(3), "the exchange took \(o.exchange)")
    }

    /// A 486 after the 200, same To tag: a finding; the call, answered, completes.
    @Test func a486AfterThe200IsAFinding() async throws {
        let peer = try ScriptedUAS(.init(finalAfter200: "486 Busy Here"), t1: MisbehavingPeerTests.t1)
        let o = try await MisbehavingPeerTests.run(against: peer)
        let finding = try #require(o.stats.conformance["rfc3261.17.2.1.one-final-response"], "\(o.stats.conformance.keys.sorted())")
        #expect(finding.firstExample.contains("a 486 follows the 2"), "\(finding.firstExample)")
        #expect(peer.calls("BYE") == Self.n)
    }

    /// The 180 and the 200 of one dialog with different Record-Route: a warning naming both values; a forked 200
    /// (another To tag) with its own route set is not one.
    @Test func aRecordRouteThatChangesWithinADialogIsAWarning() async throws {
        // The routes name the peer itself (its port is known once it is bound), so the BYE reaches it.
        let port = PortBox()
        let peer = try ScriptedUAS(.init(ringing: { $0.headers.append(("Record-Route", "<sip:127.0.0.1:\(port.value);lr;a=1>")) },
                                         ok: { $0.headers.append(("Record-Route", "<sip:127.0.0.1:\(port.value);lr;a=2>")) }),
                                   t1: MisbehavingPeerTests.t1)
        port.value = peer.port
        let o = try await MisbehavingPeerTests.run(against: peer, conformance: .warn)
        let finding = try #require(o.stats.conformance["rfc3261.12.1.1.record-route-stable"], "\(o.stats.conformance.keys.sorted())")
        #expect(finding.firstExample.contains("'<sip:127.0.0.1:\(peer.port);lr;a=2>' is not the 180's '<sip:127.0.0.1:\(peer.port);lr;a=1>'"),
                "\(finding.firstExample)")
        #expect(peer.calls("BYE") == Self.n)
        #expect(finding.count == UInt64(Self.n))
    }

    @Test func aForkWithItsOwnRouteSetIsNoFinding() async throws {
        let peer = try ScriptedUAS(.init(fork: true), t1: MisbehavingPeerTests.t1)
        let o = try await MisbehavingPeerTests.run(against: peer)
        #expect(o.stats.conformance["rfc3261.12.1.1.record-route-stable"] == nil)
        #expect(o.stats.conformance["rfc3261.17.2.1.one-final-response"] == nil, "a 2xx of another fork after a 2xx is allowed")
        #expect(o.stats.completed == UInt64(Self.n))
    }
}

/// A port a scripted peer's rewrites name before the peer is bound.
final class PortBox: @unchecked Sendable {
    // @unchecked: written once before the peer gets its first datagram, read on its thread after.
    var value = 0
}
