import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.2.2 (Figure 8) with a fake clock.
@Suite struct ServerNonInviteTransactionTests {
    @Test func finalIsResentOnRetransmissionUntilTimerJ() throws {
        let options = try Alice.options()
        var uas = try ServerNonInviteTransaction(request: options)
        #expect(uas.received(options, at: ms(100)) == .none, "Trying absorbs retransmissions")
        let ok = try response(200, "OK", to: options)
        #expect(uas.respond(ok, at: ms(200)) == [.send(ok.bytes), .schedule(.timerJ, after: .seconds(32))])
        #expect(uas.state == .completed)
        #expect(uas.received(options, at: ms(700)) == [.send(ok.bytes)])
        #expect(uas.respond(try response(500, "Oops", to: options), at: ms(800)) == .none, "one final only")
        #expect(uas.timerFired(.timerJ, at: ms(32_199)) == .none)
        #expect(uas.timerFired(.timerJ, at: ms(32_200)) == [.terminated(.normal)])
        #expect(uas.received(options, at: ms(32_300)) == .none)
    }

    @Test func provisionalIsResentInProceeding() throws {
        let options = try Alice.options()
        var uas = try ServerNonInviteTransaction(request: options)
        let trying = try response(100, "Trying", to: options, tag: nil)
        #expect(uas.respond(trying, at: ms(0)) == [.send(trying.bytes)])
        #expect(uas.state == .proceeding)
        #expect(uas.received(options, at: ms(500)) == [.send(trying.bytes)])
        let ok = try response(200, "OK", to: options)
        #expect(uas.respond(ok, at: ms(600)) == [.send(ok.bytes), .schedule(.timerJ, after: .seconds(32))])
    }

    @Test func reliableTransportEndsAtOnce() throws {
        let options = try Alice.options()
        var uas = try ServerNonInviteTransaction(request: options, configuration: .init(reliable: true))
        let ok = try response(200, "OK", to: options)
        #expect(uas.respond(ok, at: ms(0)) == [.send(ok.bytes), .terminated(.normal)], "timer J is zero")
    }

    @Test func timerJFollowsT1() throws {
        let options = try Alice.options()
        var uas = try ServerNonInviteTransaction(request: options, configuration: .init(t1: .milliseconds(250)))
        let ok = try response(200, "OK", to: options)
        #expect(uas.respond(ok, at: ms(0)) == [.send(ok.bytes), .schedule(.timerJ, after: .seconds(16))])
    }

    @Test func transportErrorAndWrongMethods() throws {
        var uas = try ServerNonInviteTransaction(request: try Alice.options())
        #expect(uas.transportFailed(at: ms(0)) == [.terminated(.transportError)])
        #expect(throws: TransactionError.self) { try ServerNonInviteTransaction(request: try Alice.invite()) }
    }
}
