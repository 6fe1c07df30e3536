import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.2.1 (Figure 7), RFC 6026 §7.1 and the 2xx retransmission of §13.3.1.4, with a fake clock.
@Suite struct ServerInviteTransactionTests {
    @Test func busyRetransmittedOnGUntilTimerHWhenTheAckNeverArrives() throws {
        let invite = try Alice.invite()
        var uas = try ServerInviteTransaction(invite: invite)
        let busy = try response(486, "Busy Here", to: invite)
        let b = busy.bytes
        #expect(uas.respond(busy, at: ms(0)) == [.send(b), .schedule(.timerG, after: .milliseconds(500)),
                                                 .schedule(.timerH, after: .seconds(32))])
        #expect(uas.state == .completed)
        #expect(uas.timerFired(.timerG, at: ms(500)) == [.send(b), .schedule(.timerG, after: .milliseconds(1_000))])
        #expect(uas.timerFired(.timerG, at: ms(1_500)) == [.send(b), .schedule(.timerG, after: .milliseconds(2_000))])
        #expect(uas.timerFired(.timerG, at: ms(3_500)) == [.send(b), .schedule(.timerG, after: .milliseconds(4_000))])
        #expect(uas.timerFired(.timerG, at: ms(7_500)) == [.send(b), .schedule(.timerG, after: .milliseconds(4_000))], "capped at T2")
        #expect(uas.received(invite, at: ms(8_000)) == [.send(b)], "INVITE retransmission gets the final again")
        #expect(uas.timerFired(.timerH, at: ms(32_000)) == [.terminated(.timedOut(.timerH))])
        #expect(uas.timerFired(.timerG, at: ms(35_500)) == .none)
        #expect(uas.received(invite, at: ms(35_600)) == .none)
    }

    @Test func ackForBusyConfirmsThenTimerIEnds() throws {
        let invite = try Alice.invite()
        var uas = try ServerInviteTransaction(invite: invite)
        let busy = try response(486, "Busy Here", to: invite)
        _ = uas.respond(busy, at: ms(0))
        let ack = try InviteRequests.ackForNonSuccess(invite: invite, response: busy)
        #expect(uas.received(ack, at: ms(100)) == [.schedule(.timerI, after: .seconds(5))], "ACK absorbed, not delivered")
        #expect(uas.state == .confirmed)
        #expect(uas.received(ack, at: ms(200)) == .none)
        #expect(uas.received(invite, at: ms(300)) == .none)
        #expect(uas.timerFired(.timerG, at: ms(500)) == .none, "G stops on ACK")
        #expect(uas.timerFired(.timerH, at: ms(32_000)) == .none, "H stops on ACK")
        #expect(uas.timerFired(.timerI, at: ms(5_100)) == [.terminated(.normal)])
    }

    @Test func proceedingResendsTheLatestProvisional() throws {
        let invite = try Alice.invite()
        var uas = try ServerInviteTransaction(invite: invite)
        #expect(uas.received(invite, at: ms(10)) == .none, "nothing sent yet")
        let trying = uas.respondTrying(at: ms(20))
        let tryingOnWire = try sent(trying)
        #expect(tryingOnWire.statusCode == 100)
        #expect(tryingOnWire.to?.tag == nil, "§8.2.6.1: no To tag on 100")
        #expect(tryingOnWire.topVia == invite.topVia)
        let ringing = try response(180, "Ringing", to: invite)
        #expect(uas.respond(ringing, at: ms(30)) == [.send(ringing.bytes)])
        #expect(uas.received(invite, at: ms(500)) == [.send(ringing.bytes)])
        #expect(uas.state == .proceeding)
    }

    @Test func okIsRetransmittedUntilItsAckThenTimerLEnds() throws {
        let invite = try Alice.invite()
        var uas = try ServerInviteTransaction(invite: invite)
        let ok = try response(200, "OK", to: invite)
        let o = ok.bytes
        #expect(uas.respond(ok, at: ms(0)) == [.send(o), .schedule(.timerG, after: .milliseconds(500)),
                                               .schedule(.timerL, after: .seconds(32))])
        #expect(uas.state == .accepted)
        #expect(uas.timerFired(.timerG, at: ms(500)) == [.send(o), .schedule(.timerG, after: .milliseconds(1_000))])
        #expect(uas.received(invite, at: ms(600)) == .none, "RFC 6026: INVITE retransmissions absorbed in Accepted")
        let ack = try message("ACK sip:bob@192.0.2.4 SIP/2.0", "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnew",
                              "CSeq: 314159 ACK", "Call-ID: a84b4c76e66710@pc33.atlanta.example.com")
        #expect(uas.received(ack, at: ms(700)) == [.deliver], "RFC 6026: ACKs in Accepted go to the TU")
        #expect(uas.acknowledged)
        #expect(uas.timerFired(.timerG, at: ms(1_500)) == .none, "§13.3.1.4: ACK stops the 2xx retransmissions")
        #expect(uas.timerFired(.timerL, at: ms(32_000)) == [.terminated(.normal)])
    }

    @Test func okNeverAckedRetransmitsCappedAtT2AndEndsWithTimerL() throws {
        let invite = try Alice.invite()
        var uas = try ServerInviteTransaction(invite: invite)
        let ok = try response(200, "OK", to: invite)
        _ = uas.respond(ok, at: ms(0))
        var t = 0, sends = 0, interval = 500
        while t + interval < 32_000 {
            t += interval
            let out = uas.timerFired(.timerG, at: ms(t))
            sends += try onWire(out).count
            interval = min(interval * 2, 4_000)
            #expect(out[1] == .schedule(.timerG, after: .milliseconds(interval)))
        }
        #expect(sends == 10, "at 0.5, 1.5, 3.5, 7.5, 11.5, …, 31.5 s")
        #expect(uas.timerFired(.timerL, at: ms(32_000)) == [.terminated(.timedOut(.timerL))],
                "no ACK: the TU should send BYE (§13.3.1.4)")
    }

    @Test func reliableTransportSkipsGAndI() throws {
        let invite = try Alice.invite()
        var uas = try ServerInviteTransaction(invite: invite, configuration: .init(reliable: true))
        let busy = try response(486, "Busy Here", to: invite)
        #expect(uas.respond(busy, at: ms(0)) == [.send(busy.bytes), .schedule(.timerH, after: .seconds(32))])
        let ack = try InviteRequests.ackForNonSuccess(invite: invite, response: busy)
        #expect(uas.received(ack, at: ms(10)) == [.terminated(.normal)], "timer I is zero")
    }

    @Test func reliableTransportStillRetransmitsTheOk() throws {
        let invite = try Alice.invite()
        var uas = try ServerInviteTransaction(invite: invite, configuration: .init(reliable: true))
        let ok = try response(200, "OK", to: invite)
        #expect(uas.respond(ok, at: ms(0)) == [.send(ok.bytes), .schedule(.timerG, after: .milliseconds(500)),
                                               .schedule(.timerL, after: .seconds(32))], "§13.3.1.4 is end to end")
    }

    @Test func responsesAfterTheFinalAreDropped() throws {
        let invite = try Alice.invite()
        var uas = try ServerInviteTransaction(invite: invite)
        _ = uas.respond(try response(486, "Busy Here", to: invite), at: ms(0))
        #expect(uas.respond(try response(180, "Ringing", to: invite), at: ms(1)) == .none)
        #expect(uas.respond(try response(200, "OK", to: invite), at: ms(2)) == .none)
        #expect(uas.state == .completed)
    }

    @Test func transportErrorTerminates() throws {
        var uas = try ServerInviteTransaction(invite: try Alice.invite())
        #expect(uas.transportFailed(at: ms(0)) == [.terminated(.transportError)])
        #expect(uas.respond(try response(200, "OK", to: try Alice.invite()), at: ms(1)) == .none)
    }
}
