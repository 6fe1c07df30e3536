import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.1.2 (Figure 6) with a fake clock.
@Suite struct ClientNonInviteTransactionTests {
    @Test func unansweredOptionsRetransmitsOnECappedAtT2ThenTimesOutOnF() throws {
        let options = try Alice.options()
        var uac = try ClientNonInviteTransaction(request: options)
        let r = options.bytes
        #expect(uac.start(at: ms(0)) == [.send(r), .schedule(.timerE, after: .milliseconds(500)),
                                         .schedule(.timerF, after: .seconds(32))])
        #expect(uac.timerFired(.timerE, at: ms(500)) == [.send(r), .schedule(.timerE, after: .milliseconds(1_000))])
        #expect(uac.timerFired(.timerE, at: ms(1_500)) == [.send(r), .schedule(.timerE, after: .milliseconds(2_000))])
        #expect(uac.timerFired(.timerE, at: ms(3_500)) == [.send(r), .schedule(.timerE, after: .milliseconds(4_000))])
        #expect(uac.timerFired(.timerE, at: ms(7_500)) == [.send(r), .schedule(.timerE, after: .milliseconds(4_000))], "capped at T2")
        #expect(uac.timerFired(.timerE, at: ms(11_500)) == [.send(r), .schedule(.timerE, after: .milliseconds(4_000))])
        #expect(uac.timerFired(.timerF, at: ms(31_999)) == .none, "early fire ignored")
        #expect(uac.timerFired(.timerF, at: ms(32_000)) == [.terminated(.timedOut(.timerF))])
        #expect(uac.timerFired(.timerE, at: ms(35_500)) == .none)
        #expect(uac.state == .terminated)
    }

    @Test func provisionalSwitchesEToT2ThenFinalWaitsForK() throws {
        let options = try Alice.options()
        var uac = try ClientNonInviteTransaction(request: options)
        _ = uac.start(at: ms(0))
        #expect(uac.timerFired(.timerE, at: ms(500)) == [.send(options.bytes), .schedule(.timerE, after: .milliseconds(1_000))])
        let trying = try response(100, "Trying", to: options, tag: nil)
        #expect(uac.received(trying, at: ms(600)) == [.deliver])
        #expect(uac.state == .proceeding)
        #expect(uac.timerFired(.timerE, at: ms(1_500)) == [.send(options.bytes), .schedule(.timerE, after: .seconds(4))],
                "§17.1.2.2: in Proceeding timer E is reset to T2")
        let ok = try response(200, "OK", to: options)
        #expect(uac.received(ok, at: ms(2_000)) == [.deliver, .schedule(.timerK, after: .seconds(5))])
        #expect(uac.state == .completed)
        #expect(uac.received(ok, at: ms(2_100)) == .none, "retransmitted final absorbed")
        #expect(uac.timerFired(.timerE, at: ms(5_500)) == .none)
        #expect(uac.timerFired(.timerF, at: ms(32_000)) == .none)
        #expect(uac.timerFired(.timerK, at: ms(7_000)) == [.terminated(.normal)])
    }

    @Test func finalInTryingGoesStraightToCompleted() throws {
        let options = try Alice.options()
        var uac = try ClientNonInviteTransaction(request: options)
        _ = uac.start(at: ms(0))
        let notFound = try response(404, "Not Found", to: options)
        #expect(uac.received(notFound, at: ms(40)) == [.deliver, .schedule(.timerK, after: .seconds(5))])
        #expect(uac.received(try response(180, "Ringing", to: options), at: ms(50)) == .none)
    }

    @Test func reliableTransportHasNoTimerEAndNoTimerK() throws {
        let options = try Alice.options()
        var uac = try ClientNonInviteTransaction(request: options, configuration: .init(reliable: true))
        #expect(uac.start(at: ms(0)) == [.send(options.bytes), .schedule(.timerF, after: .seconds(32))])
        #expect(uac.timerFired(.timerE, at: ms(500)) == .none)
        let ok = try response(200, "OK", to: options)
        #expect(uac.received(ok, at: ms(30)) == [.deliver, .terminated(.normal)])
    }

    @Test func customTimersAreUsed() throws {
        let options = try Alice.options()
        let config = TransactionConfiguration(t1: .milliseconds(200), t2: .milliseconds(600), t4: .seconds(2))
        var uac = try ClientNonInviteTransaction(request: options, configuration: config)
        #expect(uac.start(at: ms(0)) == [.send(options.bytes), .schedule(.timerE, after: .milliseconds(200)),
                                         .schedule(.timerF, after: .milliseconds(12_800))])
        #expect(uac.timerFired(.timerE, at: ms(200))[1] == .schedule(.timerE, after: .milliseconds(400)))
        #expect(uac.timerFired(.timerE, at: ms(600))[1] == .schedule(.timerE, after: .milliseconds(600)))
        let ok = try response(200, "OK", to: options)
        #expect(uac.received(ok, at: ms(700)) == [.deliver, .schedule(.timerK, after: .seconds(2))])
    }

    @Test func transportErrorAndWrongMethods() throws {
        var uac = try ClientNonInviteTransaction(request: try Alice.options())
        _ = uac.start(at: ms(0))
        #expect(uac.transportFailed(at: ms(1)) == [.terminated(.transportError)])
        #expect(throws: TransactionError.self) { try ClientNonInviteTransaction(request: try Alice.invite()) }
    }
}
