import SIPCore
import Testing
@testable import SIPTransaction

/// A client and a server transaction joined by an in-memory wire: what one side sends is parsed from its bytes and
/// fed to the other. Dropped messages are simply not fed. One line per event.
@Suite struct BackToBackTests {
    @Test func inviteRingingOkAckThenBye() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite)
        let inviteOnWire = try sent(uac.start(at: ms(0)))
        var uas = try ServerInviteTransaction(invite: inviteOnWire)
        #expect(uas.key == TransactionKey.server(inviteOnWire))

        let trying = try sent(uas.respondTrying(at: ms(1)))
        #expect(TransactionKey.client(trying) == uac.key)
        #expect(uac.received(trying, at: ms(2)) == [.deliver])
        let ringing = try sent(uas.respond(try response(180, "Ringing", to: inviteOnWire), at: ms(10)))
        #expect(uac.received(ringing, at: ms(11)) == [.deliver])

        var bob = try Dialog.uas(request: inviteOnWire, localTag: "a6c85cf")
        let ok = try response(200, "OK", to: inviteOnWire, extra: [("Contact", "<sip:bob@192.0.2.4>")])
        let okOut = uas.respond(ok, at: ms(1_000))
        #expect(okOut == [.send(ok.bytes), .schedule(.timerG, after: .milliseconds(500)),
                          .schedule(.timerL, after: .seconds(32))])
        let okOnWire = try sent(okOut)
        #expect(uac.received(okOnWire, at: ms(1_001)) == [.deliver, .schedule(.timerM, after: .seconds(32))])

        // The TU builds the ACK from the dialog (§13.2.2.4). The first one is lost.
        var alice = try Dialog.uac(request: invite, response: okOnWire)
        let ack = try alice.makeACK(inviteSequence: 314159, via: "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKack1")
        let okAgain = try sent(uas.timerFired(.timerG, at: ms(1_500)))
        #expect(uac.received(okAgain, at: ms(1_501)) == [.deliver], "TU re-sends its ACK")
        // The engine finds Bob's transaction through the dialog: the ACK's branch is new.
        #expect(TransactionKey.server(ack) != uas.key)
        #expect(DialogID.ofReceivedRequest(ack) == bob.id)
        #expect(bob.receivedRequest(ack) == .accept)
        #expect(uas.received(ack, at: ms(1_502)) == [.deliver])
        #expect(uas.timerFired(.timerG, at: ms(2_500)) == .none)

        var bye = try ClientNonInviteTransaction(request: try alice.makeRequest(.bye, via: "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKbye1"))
        let byeOnWire = try sent(bye.start(at: ms(5_000)))
        #expect(bob.receivedRequest(byeOnWire) == .accept)
        var byeServer = try ServerNonInviteTransaction(request: byeOnWire)
        let byeOk = try sent(byeServer.respond(try response(200, "OK", to: byeOnWire, tag: nil), at: ms(5_001)))
        #expect(byeOk.to?.tag == "a6c85cf")
        #expect(bye.received(byeOk, at: ms(5_002)) == [.deliver, .schedule(.timerK, after: .seconds(5))])

        #expect(bye.timerFired(.timerK, at: ms(10_002)) == [.terminated(.normal)])
        #expect(uas.timerFired(.timerL, at: ms(33_000)) == [.terminated(.normal)])
        #expect(uac.timerFired(.timerM, at: ms(33_001)) == [.terminated(.normal)])
        #expect(byeServer.timerFired(.timerJ, at: ms(37_001)) == [.terminated(.normal)])
    }

    @Test func inviteBusyAckWithCrossingRetransmissions() throws {
        var uac = try ClientInviteTransaction(invite: try Alice.invite())
        let inviteOnWire = try sent(uac.start(at: ms(0)))
        var uas = try ServerInviteTransaction(invite: inviteOnWire)
        let busyOut = uas.respond(try response(486, "Busy Here", to: inviteOnWire), at: ms(100))
        _ = try sent(busyOut)  // lost

        // At 500 ms both timers fire: the INVITE retransmission gets the 486 again…
        let retransmitted = try sent(uac.timerFired(.timerA, at: ms(500)))
        let busy = try sent(uas.received(retransmitted, at: ms(500)))
        let out = uac.received(busy, at: ms(500))
        let ack = try sent(out)
        #expect(out == [.deliver, .send(ack.bytes), .schedule(.timerD, after: .seconds(32))])
        // …and timer G sends it once more, which the client re-ACKs without bothering the TU.
        // (The first ACK is still in flight.)
        let busyAgain = try sent(uas.timerFired(.timerG, at: ms(600)))
        #expect(uac.received(busyAgain, at: ms(600)) == [.send(ack.bytes)])

        #expect(TransactionKey.server(ack) == uas.key)
        #expect(uas.received(ack, at: ms(650)) == [.schedule(.timerI, after: .seconds(5))])
        #expect(uas.received(ack, at: ms(700)) == .none, "the second ACK is absorbed in Confirmed")
        #expect(uas.timerFired(.timerG, at: ms(1_600)) == .none)
        #expect(uas.timerFired(.timerI, at: ms(5_650)) == [.terminated(.normal)])
        #expect(uac.timerFired(.timerD, at: ms(32_500)) == [.terminated(.normal)])
    }

    @Test func inviteLostTwiceThenAnswered() throws {
        var uac = try ClientInviteTransaction(invite: try Alice.invite())
        _ = try sent(uac.start(at: ms(0)))  // lost
        #expect(uac.timerFired(.timerA, at: ms(500))[1] == .schedule(.timerA, after: .milliseconds(1_000)))  // lost
        let third = uac.timerFired(.timerA, at: ms(1_500))
        #expect(third[1] == .schedule(.timerA, after: .milliseconds(2_000)))
        var uas = try ServerInviteTransaction(invite: try sent(third))
        let ok = try sent(uas.respond(try response(200, "OK", to: try #require(uas.invite)), at: ms(1_600)))
        #expect(uac.received(ok, at: ms(1_601)) == [.deliver, .schedule(.timerM, after: .seconds(32))])
        #expect(uac.timerFired(.timerA, at: ms(3_500)) == .none)
        #expect(uac.timerFired(.timerB, at: ms(32_000)) == .none)
    }

    @Test func ackNeverArrivesSoTimerHEndsTheServer() throws {
        var uac = try ClientInviteTransaction(invite: try Alice.invite())
        var uas = try ServerInviteTransaction(invite: try sent(uac.start(at: ms(0))))
        let decline = try sent(uas.respond(try response(603, "Decline", to: try #require(uas.invite)), at: ms(0)))
        _ = try sent(uac.received(decline, at: ms(1)))  // the ACK is lost, and so is every later one
        var t = 0, interval = 500, resent = 0
        while t + interval < 32_000 {
            t += interval
            let again = try sent(uas.timerFired(.timerG, at: ms(t)))
            _ = try sent(uac.received(again, at: ms(t)))  // re-ACK, lost
            resent += 1
            interval = min(interval * 2, 4_000)
        }
        #expect(resent == 10)
        #expect(uas.timerFired(.timerH, at: ms(32_000)) == [.terminated(.timedOut(.timerH))])
        #expect(uac.timerFired(.timerD, at: ms(32_001)) == [.terminated(.normal)])
    }

    @Test func nonInviteFinalLostThenResentOnTheRetransmission() throws {
        let options = try Alice.options()
        var uac = try ClientNonInviteTransaction(request: options)
        var uas = try ServerNonInviteTransaction(request: try sent(uac.start(at: ms(0))))
        _ = try sent(uas.respond(try response(200, "OK", to: try #require(uas.request)), at: ms(5)))  // lost
        let retransmitted = try sent(uac.timerFired(.timerE, at: ms(500)))
        #expect(TransactionKey.server(retransmitted) == uas.key)
        let ok = try sent(uas.received(retransmitted, at: ms(501)))
        #expect(uac.received(ok, at: ms(502)) == [.deliver, .schedule(.timerK, after: .seconds(5))])
        #expect(uac.timerFired(.timerE, at: ms(1_500)) == .none)
        #expect(uac.timerFired(.timerK, at: ms(5_502)) == [.terminated(.normal)])
        #expect(uas.timerFired(.timerJ, at: ms(32_005)) == [.terminated(.normal)])
    }

    @Test func reliableTransportEndToEnd() throws {
        let tcp = TransactionConfiguration(reliable: true)
        var uac = try ClientInviteTransaction(invite: try Alice.invite(), configuration: tcp)
        let start = uac.start(at: ms(0))
        #expect(start.count == 2, "no timer A: \(start)")
        var uas = try ServerInviteTransaction(invite: try sent(start), configuration: tcp)
        let busyOut = uas.respond(try response(486, "Busy Here", to: try #require(uas.invite)), at: ms(1))
        #expect(busyOut.count == 2, "no timer G: \(busyOut)")
        let ackOut = uac.received(try sent(busyOut), at: ms(2))
        #expect(ackOut.last == .terminated(.normal), "no timer D")
        #expect(uas.received(try sent(ackOut), at: ms(3)) == [.terminated(.normal)], "no timer I")
    }

    @Test func cancelledInviteGets487AndTheCancelItsOwn200() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite)
        var uas = try ServerInviteTransaction(invite: try sent(uac.start(at: ms(0))))
        let ringing = try sent(uas.respond(try response(180, "Ringing", to: try #require(uas.invite)), at: ms(10)))
        #expect(uac.received(ringing, at: ms(11)) == [.deliver])

        // §9.1: CANCEL once a provisional arrived, in its own client transaction.
        var cancelTx = try ClientNonInviteTransaction(request: try uac.makeCancel())
        let cancelOnWire = try sent(cancelTx.start(at: ms(2_000)))
        #expect(TransactionKey.server(cancelOnWire) != uas.key, "a server transaction of its own")
        #expect(TransactionKey.invite(cancelledBy: cancelOnWire) == uas.key, "§9.2: finds the INVITE it cancels")
        #expect(TransactionKey.invite(cancelledBy: invite) == nil)
        var cancelServer = try ServerNonInviteTransaction(request: cancelOnWire)
        let cancelOk = try sent(cancelServer.respond(try response(200, "OK", to: cancelOnWire), at: ms(2_001)))
        let terminated = try sent(uas.respond(try response(487, "Request Terminated", to: try #require(uas.invite)), at: ms(2_001)))

        #expect(TransactionKey.client(cancelOk) == cancelTx.key)
        #expect(cancelTx.received(cancelOk, at: ms(2_002)) == [.deliver, .schedule(.timerK, after: .seconds(5))])
        let out = uac.received(terminated, at: ms(2_002))
        let ack = try sent(out)
        #expect(out == [.deliver, .send(ack.bytes), .schedule(.timerD, after: .seconds(32))])
        #expect(uas.received(ack, at: ms(2_003)) == [.schedule(.timerI, after: .seconds(5))])
    }
}
