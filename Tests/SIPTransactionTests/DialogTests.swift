import SIPCore
import Testing
@testable import SIPTransaction

/// Alice calls Bob through two record-routing proxies: p1 next to Alice, p2 next to Bob.
enum Proxied {
    static let p1Loose = "<sip:p1.example.com;lr>"
    static let p1Strict = "<sip:p1.example.com>"
    static let p2 = "<sip:p2.example.com;lr>"

    /// The INVITE as Bob receives it: each proxy added a Via and a Record-Route on top.
    static func inviteAtBob(p1: String = p1Loose) throws -> SIPMessage {
        try message(
            "INVITE sip:bob@biloxi.example.com SIP/2.0",
            "Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2",
            "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1",
            "Via: \(Alice.via)",
            "Record-Route: \(p2)",
            "Record-Route: \(p1)",
            "Max-Forwards: 68",
            "To: Bob <sip:bob@biloxi.example.com>",
            "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
            "CSeq: 314159 INVITE",
            "Contact: <sip:alice@pc33.atlanta.example.com>",
            "Content-Length: 0")
    }

    /// Bob's 200 as Alice receives it: proxies removed their Vias; Record-Route copied by Bob (§12.1.1).
    static func okAtAlice(p1: String = p1Loose, contact: String = "<sip:bob@192.0.2.4>", code: String = "200 OK",
                          recordRoutes: [String]? = nil, cseq: String = "314159 INVITE") throws -> SIPMessage {
        var lines = ["SIP/2.0 \(code)", "Via: \(Alice.via)"]
        for rr in recordRoutes ?? [p2, p1] { lines.append("Record-Route: \(rr)") }
        lines += ["To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf",
                  "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
                  "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
                  "CSeq: \(cseq)", "Contact: \(contact)", "Content-Length: 0"]
        return try SIPMessage(parsing: lines.joined(separator: "\r\n") + "\r\n\r\n")
    }

    static func aliceDialog(p1: String = p1Loose) throws -> Dialog {
        try Dialog.uac(request: try Alice.invite(), response: try okAtAlice(p1: p1))
    }

    static func bobDialog() throws -> Dialog { try Dialog.uas(request: try inviteAtBob(), localTag: "a6c85cf") }
}

/// RFC 3261 §12: dialog creation, route sets, remote target, CSeq, in-dialog requests.
@Suite struct DialogTests {
    @Test func uacReversesTheRecordRouteAndItsByeFollowsIt() throws {
        var alice = try Proxied.aliceDialog()
        #expect(alice.role == .uac)
        #expect(alice.state == .confirmed)
        #expect(alice.id == DialogID(callID: "a84b4c76e66710@pc33.atlanta.example.com", localTag: "1928301774",
                                     remoteTag: "a6c85cf"))
        #expect(alice.routeSet == [Proxied.p1Loose, Proxied.p2], "§12.1.2: Record-Route reversed")
        #expect(alice.remoteTarget == "sip:bob@192.0.2.4")
        #expect(alice.localURI == "sip:alice@atlanta.example.com")
        #expect(alice.remoteURI == "sip:bob@biloxi.example.com")
        #expect(alice.localSequence == 314159)
        #expect(alice.remoteSequence == nil)
        #expect(alice.secure == false)

        let bye = try alice.makeRequest(.bye, via: "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKbye1")
        #expect(bye.method == .bye)
        #expect(bye.requestURI == "sip:bob@192.0.2.4", "loose routing: Request-URI is the remote target")
        #expect(bye.values(.route) == [ByteString(Proxied.p1Loose), ByteString(Proxied.p2)])
        #expect(bye.cseq == CSeq(314160, .bye))
        #expect(bye.from?.uri == "sip:alice@atlanta.example.com")
        #expect(bye.from?.tag == "1928301774")
        #expect(bye.to?.uri == "sip:bob@biloxi.example.com")
        #expect(bye.to?.tag == "a6c85cf")
        #expect(bye.callID == "a84b4c76e66710@pc33.atlanta.example.com")
        #expect(bye.topVia?.branch == "z9hG4bKbye1")
        #expect(bye.maxForwards == 70)
        #expect(alice.localSequence == 314160)
        #expect(try alice.makeRequest(.info, via: Alice.via).cseq == CSeq(314161, .info), "one up per request")
    }

    @Test func uasKeepsTheRecordRouteInOrder() throws {
        var bob = try Proxied.bobDialog()
        #expect(bob.role == .uas)
        #expect(bob.routeSet == [Proxied.p2, Proxied.p1Loose], "§12.1.1: Record-Route in order")
        #expect(bob.remoteTarget == "sip:alice@pc33.atlanta.example.com")
        #expect(bob.remoteSequence == 314159)
        #expect(bob.localSequence == nil)
        #expect(bob.localURI == "sip:bob@biloxi.example.com")
        let bye = try bob.makeRequest(.bye, via: "SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKbob1")
        #expect(bye.requestURI == "sip:alice@pc33.atlanta.example.com")
        #expect(bye.values(.route) == [ByteString(Proxied.p2), ByteString(Proxied.p1Loose)])
        #expect(bye.cseq == CSeq(1, .bye), "the UAS picks its first local CSeq")
        #expect(bye.from?.tag == "a6c85cf")
        #expect(bye.to?.tag == "1928301774")
        #expect(bye.to?.uri == "sip:alice@atlanta.example.com")
    }

    @Test func bothEndsAgreeOnTheDialogID() throws {
        var alice = try Proxied.aliceDialog()
        let bob = try Proxied.bobDialog()
        let bye = try alice.makeRequest(.bye, via: Alice.via)
        #expect(DialogID.ofReceivedRequest(bye) == bob.id)
        #expect(DialogID.ofReceivedResponse(try Proxied.okAtAlice()) == alice.id)
        #expect(DialogID.ofReceivedRequest(try Alice.invite()) == nil, "no To tag: not in a dialog")
    }

    @Test func strictRouterBecomesTheRequestURIAndTheRemoteTargetGoesLast() throws {
        var alice = try Proxied.aliceDialog(p1: Proxied.p1Strict)
        #expect(alice.routeSet == [Proxied.p1Strict, Proxied.p2])
        let bye = try alice.makeRequest(.bye, via: Alice.via)
        #expect(bye.requestURI == "sip:p1.example.com", "§12.2.1.1: first route without lr")
        #expect(bye.values(.route) == [ByteString(Proxied.p2), "<sip:bob@192.0.2.4>"])
        #expect(alice.routing == Dialog.Routing(requestURI: "sip:p1.example.com",
                                                routes: [Proxied.p2, "<sip:bob@192.0.2.4>"]))
    }

    @Test func strictRouteLosesWhatARequestURICannotCarry() throws {
        let strict = "<sip:p1.example.com;transport=udp;method=INVITE?X-Foo=bar>"
        var alice = try Dialog.uac(request: try Alice.invite(),
                                   response: try Proxied.okAtAlice(recordRoutes: [Proxied.p2, strict]))
        let bye = try alice.makeRequest(.bye, via: Alice.via)
        #expect(bye.requestURI == "sip:p1.example.com;transport=udp", "§19.1.1 Table 1")
        #expect(bye.values(.route) == [ByteString(Proxied.p2), "<sip:bob@192.0.2.4>"])
    }

    @Test func noRouteSetSendsStraightToTheRemoteTarget() throws {
        var alice = try Dialog.uac(request: try Alice.invite(), response: try Proxied.okAtAlice(recordRoutes: []))
        let bye = try alice.makeRequest(.bye, via: Alice.via)
        #expect(bye.requestURI == "sip:bob@192.0.2.4")
        #expect(!bye.contains(.route))
    }

    @Test func ackForTheOkReusesTheInviteCSeq() throws {
        let alice = try Proxied.aliceDialog()
        let ack = try alice.makeACK(inviteSequence: 314159, via: "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKack1")
        #expect(ack.method == .ack)
        #expect(ack.cseq == CSeq(314159, .ack), "§13.2.2.4")
        #expect(ack.requestURI == "sip:bob@192.0.2.4")
        #expect(ack.values(.route) == [ByteString(Proxied.p1Loose), ByteString(Proxied.p2)])
        #expect(ack.to?.tag == "a6c85cf")
        #expect(alice.localSequence == 314159, "ACK does not use up a CSeq number")
        #expect(TransactionKey.server(ack) != TransactionKey.server(try Alice.invite()), "a 2xx ACK is its own transaction")
        var copy = alice
        #expect(throws: TransactionError.self) { try copy.makeRequest(.ack, via: Alice.via) }
        #expect(throws: TransactionError.self) { try copy.makeRequest(.cancel, via: Alice.via) }
    }

    @Test func remoteCSeqMustNotGoBackwards() throws {
        var bob = try Proxied.bobDialog()
        var alice = try Proxied.aliceDialog()
        _ = try alice.makeRequest(.info, via: Alice.via)  // 314160, lost
        let late = try alice.makeRequest(.info, via: Alice.via)  // 314161
        #expect(bob.receivedRequest(late) == .accept)
        #expect(bob.remoteSequence == 314161)
        let stale = try message("INFO sip:bob@192.0.2.4 SIP/2.0", "Via: \(Alice.via)",
                                "From: <sip:alice@atlanta.example.com>;tag=1928301774",
                                "To: <sip:bob@biloxi.example.com>;tag=a6c85cf",
                                "Call-ID: a84b4c76e66710@pc33.atlanta.example.com", "CSeq: 314160 INFO")
        #expect(bob.receivedRequest(stale) == .reject(statusCode: 500, reason: "Server Internal Error"), "§12.2.2")
        #expect(bob.remoteSequence == 314161, "a rejected request does not move the remote CSeq")
        let ack = try alice.makeACK(inviteSequence: 314159, via: Alice.via)
        #expect(bob.receivedRequest(ack) == .accept, "ACK carries its INVITE's number")
        #expect(bob.receivedRequest(try alice.makeRequest(.bye, via: Alice.via)) == .accept)
        #expect(bob.remoteSequence == 314162)
    }

    @Test func uacRemoteCSeqStartsEmpty() throws {
        var alice = try Proxied.aliceDialog()
        var bob = try Proxied.bobDialog()
        #expect(alice.receivedRequest(try bob.makeRequest(.info, via: "SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKb1")) == .accept)
        #expect(alice.remoteSequence == 1)
    }

    @Test func targetRefreshRequestUpdatesTheRemoteTarget() throws {
        var bob = try Proxied.bobDialog()
        var alice = try Proxied.aliceDialog()
        let reinvite = try alice.makeRequest(.invite, via: Alice.via, contact: "<sip:alice@198.51.100.7:5070>")
        #expect(bob.receivedRequest(reinvite) == .accept)
        #expect(bob.remoteTarget == "sip:alice@198.51.100.7:5070")
        let info = try alice.makeRequest(.info, via: Alice.via, contact: "<sip:elsewhere@203.0.113.1>")
        #expect(bob.receivedRequest(info) == .accept)
        #expect(bob.remoteTarget == "sip:alice@198.51.100.7:5070", "INFO is not a target refresh")
        #expect(try bob.makeRequest(.bye, via: "SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKb2").requestURI
                == "sip:alice@198.51.100.7:5070")
    }

    @Test func okToTargetRefreshUpdatesTheUACsRemoteTarget() throws {
        var alice = try Proxied.aliceDialog()
        alice.receivedResponse(try Proxied.okAtAlice(contact: "<sip:bob@192.0.2.99>", cseq: "314160 INFO"))
        #expect(alice.remoteTarget == "sip:bob@192.0.2.4", "200 to INFO is not a refresh")
        alice.receivedResponse(try Proxied.okAtAlice(contact: "<sip:bob@192.0.2.99>", code: "488 Not Here", cseq: "314160 INVITE"))
        #expect(alice.remoteTarget == "sip:bob@192.0.2.4", "only a 2xx refreshes")
        alice.receivedResponse(try Proxied.okAtAlice(contact: "<sip:bob@192.0.2.99>", cseq: "314160 INVITE"))
        #expect(alice.remoteTarget == "sip:bob@192.0.2.99")
        #expect(alice.routeSet == [Proxied.p1Loose, Proxied.p2], "the route set of a confirmed dialog stays")
    }

    @Test func earlyDialogIsConfirmedByTheOkWhichResetsTheRouteSet() throws {
        let ringing = try Proxied.okAtAlice(code: "180 Ringing", recordRoutes: [Proxied.p1Loose])
        var alice = try Dialog.uac(request: try Alice.invite(), response: ringing)
        #expect(alice.state == .early)
        #expect(alice.routeSet == [Proxied.p1Loose])
        alice.receivedResponse(try Proxied.okAtAlice())
        #expect(alice.state == .confirmed)
        #expect(alice.routeSet == [Proxied.p1Loose, Proxied.p2], "§13.2.2.4: recomputed from the 2xx")
    }

    @Test func aDialogConfirmedFromItsEarlyDialogGoesOnFromItsCSeq() throws {
        let invite = try Alice.invite()
        var early = try Dialog.uac(request: invite, response: try response(183, "Session Progress", to: invite))
        var w = MessageWriter(capacity: 512)
        try early.writeRequest(.update, into: &w, via: { $0.append("SIP/2.0/UDP h;branch=z9hG4bKu1") })
        #expect(early.localSequence == 314_160)
        var confirmed = try Dialog.uac(request: invite, response: try response(200, "OK", to: invite))
        #expect(confirmed.localSequence == 314_159, "made from the INVITE alone")
        confirmed.continueSequences(of: early)
        #expect(confirmed.localSequence == 314_160, "§12.2.1.1: the next request is 314161, not a second 314160")
        var otherFork = try Dialog.uac(request: invite, response: try response(200, "OK", to: invite, tag: "fork2"))
        otherFork.continueSequences(of: early)
        #expect(otherFork.localSequence == 314_159, "another dialog ID keeps its own numbering")
    }

    @Test func uasEarlyDialogIsConfirmedOnItsOk() throws {
        var bob = try Dialog.uas(request: try Proxied.inviteAtBob(), localTag: "a6c85cf", state: .early)
        #expect(bob.state == .early)
        bob.confirm()
        #expect(bob.state == .confirmed)
    }

    @Test func secureOnlyForSIPSOverTLS() throws {
        let sipsInvite = try message("INVITE sips:bob@biloxi.example.com SIP/2.0", "Via: SIP/2.0/TLS h;branch=z9hG4bKs",
                                     "From: <sips:alice@atlanta.example.com>;tag=1", "To: <sips:bob@biloxi.example.com>",
                                     "Call-ID: s1", "CSeq: 1 INVITE", "Contact: <sips:alice@h>")
        #expect(try Dialog.uas(request: sipsInvite, localTag: "b", overTLS: true).secure)
        #expect(try !Dialog.uas(request: sipsInvite, localTag: "b", overTLS: false).secure)
        #expect(try !Dialog.uas(request: try Proxied.inviteAtBob(), localTag: "b", overTLS: true).secure)
    }

    @Test func responsesThatCannotCreateADialogAreRejected() throws {
        let invite = try Alice.invite()
        #expect(throws: TransactionError.self) { try Dialog.uac(request: invite, response: try response(100, "Trying", to: invite)) }
        #expect(throws: TransactionError.self) { try Dialog.uac(request: invite, response: try response(200, "OK", to: invite, tag: nil)) }
        #expect(throws: TransactionError.self) { try Dialog.uac(request: invite, response: try response(486, "Busy", to: invite)) }
    }
}
