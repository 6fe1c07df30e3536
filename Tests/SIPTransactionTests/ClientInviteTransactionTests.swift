import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.1.1 and RFC 6026 §7.2, driven with a fake clock and, where a peer matters, the server transaction
/// on the other end of an in-memory wire.
@Suite struct ClientInviteTransactionTests {
    @Test func inviteRingingOkThenAcceptedAbsorbsUntilTimerM() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite)
        #expect(uac.start(at: ms(0)) == [.send(invite.bytes), .schedule(.timerA, after: .milliseconds(500)),
                                         .schedule(.timerB, after: .seconds(32))])
        let ringing = try response(180, "Ringing", to: invite)
        #expect(uac.received(ringing, at: ms(100)) == [.deliver])
        #expect(uac.state == .proceeding)
        #expect(uac.timerFired(.timerA, at: ms(500)) == .none, "timer A stops in Proceeding")
        #expect(uac.timerFired(.timerB, at: ms(32_000)) == .none, "timer B only runs in Calling")
        let ok = try response(200, "OK", to: invite)
        #expect(uac.received(ok, at: ms(2_000)) == [.deliver, .schedule(.timerM, after: .seconds(32))])
        #expect(uac.state == .accepted)
        #expect(uac.received(ok, at: ms(2_500)) == [.deliver], "2xx retransmission re-delivered so the TU re-ACKs")
        let forked = try response(200, "OK", to: invite, tag: "other-branch")
        #expect(uac.received(forked, at: ms(2_600)) == [.deliver])
        #expect(uac.received(try response(486, "Busy Here", to: invite), at: ms(2_700)) == .none)
        #expect(uac.timerFired(.timerM, at: ms(33_999)) == .none, "early fire ignored")
        #expect(uac.timerFired(.timerM, at: ms(34_000)) == [.terminated(.normal)])
        #expect(uac.received(ok, at: ms(34_001)) == .none)
    }

    @Test func inviteLostTwiceThenAnsweredTimerADoubles() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite)
        _ = uac.start(at: ms(0))
        #expect(uac.timerFired(.timerA, at: ms(500)) == [.send(invite.bytes), .schedule(.timerA, after: .milliseconds(1_000))])
        #expect(uac.timerFired(.timerA, at: ms(1_500)) == [.send(invite.bytes), .schedule(.timerA, after: .milliseconds(2_000))])
        let trying = try response(100, "Trying", to: invite, tag: nil)
        #expect(uac.received(trying, at: ms(1_600)) == [.deliver])
        #expect(uac.timerFired(.timerA, at: ms(3_500)) == .none)
    }

    @Test func retransmissionsShareTheInviteBytes() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite)
        guard case .send(let first) = uac.start(at: ms(0))[0],
              case .send(let again) = uac.timerFired(.timerA, at: ms(500))[0] else {
            Issue.record("expected sends"); return
        }
        #expect(first.withUnsafeBufferPointer { $0.baseAddress } == again.withUnsafeBufferPointer { $0.baseAddress },
                "the same storage, not a re-serialization")
        #expect(first == invite.bytes)
    }

    @Test func timerBTimesOutAfter32sWithSevenTransmissions() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite)
        var sends = try onWire(uac.start(at: ms(0))).count
        // Fire each timer at the deadline the transaction asked for, as the engine would.
        var deadlineA = 500
        while deadlineA < 32_000 {
            let out = uac.timerFired(.timerA, at: ms(deadlineA))
            sends += try onWire(out).count
            guard case .schedule(.timerA, let after) = out[1] else { Issue.record("no timer A in \(out)"); return }
            deadlineA += Int(after.components.seconds * 1000 + after.components.attoseconds / 1_000_000_000_000_000)
        }
        #expect(sends == 7, "sent at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s")
        #expect(uac.timerFired(.timerB, at: ms(32_000)) == [.terminated(.timedOut(.timerB))])
        #expect(uac.state == .terminated)
        #expect(uac.timerFired(.timerA, at: ms(deadlineA)) == .none)
    }

    @Test func busyIsAckedByTheTransactionAndRetransmittedBusyReAcked() throws {
        let invite = try Alice.invite(routes: ["<sip:p1.example.com;lr>"])
        var uac = try ClientInviteTransaction(invite: invite)
        _ = uac.start(at: ms(0))
        let busy = try response(486, "Busy Here", to: invite, tag: "busy-tag")
        let out = uac.received(busy, at: ms(300))
        let ack = try #require(try onWire(out).first)
        #expect(out == [.deliver, .send(ack.bytes), .schedule(.timerD, after: .seconds(32))])
        // §17.1.1.3: the ACK copies the INVITE except To (the response's, with its tag) and CSeq method.
        #expect(ack.method == .ack)
        #expect(ack.requestURI == "sip:bob@biloxi.example.com")
        #expect(ack.callID == invite.callID)
        #expect(ack.firstValue(.from) == invite.firstValue(.from))
        #expect(ack.to?.tag == "busy-tag")
        #expect(ack.cseq == CSeq(314159, .ack))
        #expect(try ack.parseVias().count == 1)
        #expect(ack.firstValue(.via) == invite.firstValue(.via))
        #expect(ack.values(.route) == ["<sip:p1.example.com;lr>"])
        #expect(uac.received(busy, at: ms(800)) == [.send(ack.bytes)], "re-ACK, TU not told again")
        #expect(uac.timerFired(.timerA, at: ms(500)) == .none)
        #expect(uac.timerFired(.timerB, at: ms(32_000)) == .none)
        #expect(uac.timerFired(.timerD, at: ms(32_300)) == [.terminated(.normal)])
        #expect(uac.received(busy, at: ms(32_400)) == .none)
    }

    @Test func reliableTransportHasNoTimerAAndNoTimerD() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite, configuration: .init(reliable: true))
        #expect(uac.start(at: ms(0)) == [.send(invite.bytes), .schedule(.timerB, after: .seconds(32))])
        #expect(uac.timerFired(.timerA, at: ms(500)) == .none)
        let busy = try response(486, "Busy Here", to: invite)
        let out = uac.received(busy, at: ms(50))
        #expect(out == [.deliver, .send(try sent(out).bytes), .terminated(.normal)])
        #expect(uac.state == .terminated)
    }

    @Test func customT1ScalesTimersAAndB() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite, configuration: .init(t1: .milliseconds(100)))
        #expect(uac.start(at: ms(0)) == [.send(invite.bytes), .schedule(.timerA, after: .milliseconds(100)),
                                         .schedule(.timerB, after: .milliseconds(6_400))])
    }

    @Test func transportErrorTerminates() throws {
        var uac = try ClientInviteTransaction(invite: try Alice.invite())
        _ = uac.start(at: ms(0))
        #expect(uac.transportFailed(at: ms(1)) == [.terminated(.transportError)])
        #expect(uac.transportFailed(at: ms(2)) == .none)
    }

    @Test func cancelCopiesTheInvite() throws {
        let invite = try Alice.invite(routes: ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        let uac = try ClientInviteTransaction(invite: invite)
        let cancel = try uac.makeCancel()
        #expect(cancel.method == .cancel)
        #expect(cancel.requestURI == invite.requestURI)
        #expect(cancel.callID == invite.callID)
        #expect(cancel.firstValue(.from) == invite.firstValue(.from))
        #expect(cancel.firstValue(.to) == invite.firstValue(.to))
        #expect(cancel.cseq == CSeq(314159, .cancel))
        #expect(cancel.values(.via) == [ByteString(Alice.via)])
        #expect(cancel.values(.route) == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        // §9.2: same branch as the INVITE, but its own server transaction.
        #expect(TransactionKey.server(cancel) != TransactionKey.server(invite))
        #expect(cancel.topVia?.branch == invite.topVia?.branch)
    }

    @Test func rejectsNonInviteAndBranchlessRequests() throws {
        #expect(throws: TransactionError.self) { try ClientInviteTransaction(invite: try Alice.options()) }
        let noBranch = try message("INVITE sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP h", "CSeq: 1 INVITE")
        #expect(throws: TransactionError.self) { try ClientInviteTransaction(invite: noBranch) }
    }
}
