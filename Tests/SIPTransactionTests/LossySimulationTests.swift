import SIPCore
import Testing
@testable import SIPTransaction

/// The engine in miniature: many calls (INVITE/200/ACK/BYE/200) between a UAC and a UAS over a wire that loses one
/// packet in five and delays the rest by 10 ms, all timers and packets kept in one `TimerWheel`. Every transaction
/// must end, none by timeout at this loss rate (the seed is fixed), and every call must be acknowledged.
@Suite struct LossySimulationTests {
    enum Side: Sendable { case ict, sit, nict, snit }
    enum Event: Sendable {
        case timer(call: Int, Side, TransactionTimer)
        case packet(call: Int, toUAS: Bool, [UInt8])
    }

    struct Call {
        /// The INVITE as the TU sent it (the transaction lets go of its copy on the final response).
        let invite: SIPMessage
        var ict: ClientInviteTransaction
        var sit: ServerInviteTransaction?
        var nict: ClientNonInviteTransaction?
        var snit: ServerNonInviteTransaction?
        var ack: [UInt8]?
        var ended: [Side: TerminationReason] = [:]
        var acked = false
    }

    @Test func hundredCallsOverALossyWire() throws {
        var wheel = TimerWheel<Event>(resolution: .milliseconds(1), slots: 1024)
        var seed: UInt64 = 2026
        var sent = 0, lost = 0
        var calls: [Call] = []

        func transmit(_ bytes: [UInt8], call: Int, toUAS: Bool, now: Int) {
            sent += 1
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            if (seed >> 33) % 5 == 0 { lost += 1; return }
            wheel.schedule(.packet(call: call, toUAS: toUAS, bytes), at: ms(now + 10))
        }
        func run(_ actions: TransactionActions, call: Int, side: Side, now: Int) {
            for action in actions {
                switch action {
                case .send(let bytes): transmit(bytes, call: call, toUAS: side == .ict || side == .nict, now: now)
                case .schedule(let timer, let after): wheel.schedule(.timer(call: call, side, timer), after: after, from: ms(now))
                case .terminated(let reason): calls[call].ended[side] = reason
                case .deliver: break  // handled where the message is at hand
                }
            }
        }

        for c in 0..<100 {
            let invite = try Alice.invite(branch: "z9hG4bKcall\(c)", cseq: UInt32(c + 1))
            calls.append(Call(invite: invite, ict: try ClientInviteTransaction(invite: invite)))
            run(calls[c].ict.start(at: ms(c * 3)), call: c, side: .ict, now: c * 3)
        }

        var now = 0
        while !wheel.isEmpty, now < 200_000 {
            now += 1
            for event in wheel.advance(to: ms(now)) {
                switch event {
                case .timer(let c, .ict, let t): run(calls[c].ict.timerFired(t, at: ms(now)), call: c, side: .ict, now: now)
                case .timer(let c, .sit, let t): run(calls[c].sit!.timerFired(t, at: ms(now)), call: c, side: .sit, now: now)
                case .timer(let c, .nict, let t): run(calls[c].nict!.timerFired(t, at: ms(now)), call: c, side: .nict, now: now)
                case .timer(let c, .snit, let t): run(calls[c].snit!.timerFired(t, at: ms(now)), call: c, side: .snit, now: now)
                case .packet(let c, true, let bytes):
                    let m = try SIPMessage(parsing: bytes)
                    switch m.method {
                    case .invite?:
                        if calls[c].sit == nil {
                            calls[c].sit = try ServerInviteTransaction(invite: m)
                            let ok = try response(200, "OK", to: m, extra: [("Contact", "<sip:bob@192.0.2.4>")])
                            run(calls[c].sit!.respond(ok, at: ms(now)), call: c, side: .sit, now: now)
                        } else {
                            #expect(TransactionKey.server(m) == calls[c].sit!.key)
                            run(calls[c].sit!.received(m, at: ms(now)), call: c, side: .sit, now: now)
                        }
                    case .ack?:
                        let out = calls[c].sit!.received(m, at: ms(now))
                        if out.contains(.deliver) { calls[c].acked = true }
                        run(out, call: c, side: .sit, now: now)
                    case .bye?:
                        if calls[c].snit == nil {
                            calls[c].snit = try ServerNonInviteTransaction(request: m)
                            run(calls[c].snit!.respond(try response(200, "OK", to: m, tag: nil), at: ms(now)), call: c, side: .snit, now: now)
                        } else {
                            run(calls[c].snit!.received(m, at: ms(now)), call: c, side: .snit, now: now)
                        }
                    default: Issue.record("unexpected \(m.startLine)")
                    }
                case .packet(let c, false, let bytes):
                    let m = try SIPMessage(parsing: bytes)
                    if m.cseq?.method == .invite {
                        #expect(TransactionKey.client(m) == calls[c].ict.key)
                        let out = calls[c].ict.received(m, at: ms(now))
                        run(out, call: c, side: .ict, now: now)
                        guard out.contains(.deliver) else { break }
                        // The TU: ACK every 2xx (built once), and hang up after the first.
                        if calls[c].ack == nil {
                            var dialog = try Dialog.uac(request: calls[c].invite, response: m)
                            calls[c].ack = try dialog.makeACK(inviteSequence: UInt32(c + 1),
                                                              via: "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKack\(c)").bytes
                            let bye = try dialog.makeRequest(.bye, via: "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKbye\(c)")
                            calls[c].nict = try ClientNonInviteTransaction(request: bye)
                            run(calls[c].nict!.start(at: ms(now)), call: c, side: .nict, now: now)
                        }
                        transmit(calls[c].ack!, call: c, toUAS: true, now: now)
                    } else {
                        run(calls[c].nict!.received(m, at: ms(now)), call: c, side: .nict, now: now)
                    }
                }
            }
        }

        #expect(wheel.isEmpty, "everything ended by \(now) ms")
        #expect(lost > sent / 10, "the wire really lost packets: \(lost) of \(sent)")
        for (c, call) in calls.enumerated() {
            #expect(call.ended == [.ict: .normal, .sit: .normal, .nict: .normal, .snit: .normal], "call \(c): \(call.ended)")
            #expect(call.acked, "call \(c): the UAS saw an ACK for its 2xx")
        }
    }
}
