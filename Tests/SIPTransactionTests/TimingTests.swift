import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 Table 4 and RFC 6026 §8.11 values, and the clock arithmetic they run on.
@Suite struct TimingTests {
    @Test func table4OverUnreliableTransports() {
        let udp = TransactionConfiguration()
        let expected: [TransactionTimer: Duration] = [
            .timerA: .milliseconds(500), .timerB: .seconds(32), .timerD: .seconds(32), .timerE: .milliseconds(500),
            .timerF: .seconds(32), .timerG: .milliseconds(500), .timerH: .seconds(32), .timerI: .seconds(5),
            .timerJ: .seconds(32), .timerK: .seconds(5), .timerL: .seconds(32), .timerM: .seconds(32),
        ]
        for timer in TransactionTimer.allCases { #expect(udp.duration(of: timer) == expected[timer], "\(timer)") }
    }

    @Test func table4OverReliableTransports() {
        let tcp = TransactionConfiguration(reliable: true)
        for timer in [TransactionTimer.timerD, .timerI, .timerJ, .timerK] { #expect(tcp.duration(of: timer) == .zero, "\(timer)") }
        for timer in [TransactionTimer.timerB, .timerF, .timerH, .timerL, .timerM] {
            #expect(tcp.duration(of: timer) == .seconds(32), "\(timer) does not depend on the transport")
        }
    }

    @Test func timersScaleWithT1AndT4() {
        let c = TransactionConfiguration(t1: .milliseconds(100), t4: .seconds(3))
        #expect(c.duration(of: .timerB) == .milliseconds(6_400))
        #expect(c.duration(of: .timerJ) == .milliseconds(6_400))
        #expect(c.duration(of: .timerK) == .seconds(3))
        #expect(c.duration(of: .timerI) == .seconds(3))
        #expect(c.duration(of: .timerD) == .seconds(32), "D is at least 32 s whatever T1 is")
    }

    @Test func aT1SetAfterwardsMovesTheTimersItScales() {
        var c = TransactionConfiguration()
        c.t1 = .milliseconds(20)  // as `--t1` sets it
        #expect(c.t1Times64 == .milliseconds(1_280))
        for timer in [TransactionTimer.timerB, .timerF, .timerH, .timerJ, .timerL, .timerM] {
            #expect(c.duration(of: timer) == .milliseconds(1_280), "\(timer)")
        }
        #expect(c.duration(of: .timerA) == .milliseconds(20))
        #expect(c == TransactionConfiguration(t1: .milliseconds(20)), "equal to one made with that T1")
    }

    @Test func durationsInSecondsAndScaledAgreeWithTheStandardLibrary() {
        let samples: [Duration] = [.zero, .nanoseconds(1), .milliseconds(500), .seconds(32), .seconds(-3),
                                   .milliseconds(-1_250), .seconds(1_000_000_000), .seconds(1_000_000_000_000_000),
                                   Duration(secondsComponent: 12, attosecondsComponent: 345_678_901_234_567_890)]
        for d in samples {
            let c = d.components
            let expected = Double(c.seconds) + Double(c.attoseconds) / 1e18
            #expect(abs(d.seconds - expected) <= abs(expected) * 1e-15, "\(d)")
            for factor in [0, 1, 2, 64, -3] { #expect(d.times(factor) == d * factor, "\(d) × \(factor)") }
        }
    }

    @Test func instantArithmetic() {
        #expect(SIPInstant.at(.milliseconds(1_500)).nanoseconds == 1_500_000_000)
        #expect(ms(2_000) + .milliseconds(250) == ms(2_250))
        #expect(ms(2_000) + .milliseconds(-5) == ms(2_000), "negative durations count as zero")
        #expect(SIPInstant(nanoseconds: .max - 1) + .seconds(1) == SIPInstant(nanoseconds: .max), "saturates")
        #expect(ms(3_000) - ms(1_000) == .seconds(2))
        #expect(ms(1_000) - ms(3_000) == .zero)
        #expect(SIPInstant.at(.nanoseconds(7)).nanoseconds == 7)
    }
}

/// Random event sequences: no trap (e.g. more actions than `TransactionActions.capacity`), and nothing after
/// Terminated. A fixed seed keeps failures reproducible.
@Suite struct RandomEventTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
    }

    static let codes = [100, 180, 183, 200, 202, 302, 404, 486, 500, 603]

    @Test(arguments: [false, true]) func clientTransactionsSurviveAnything(reliable: Bool) throws {
        let config = TransactionConfiguration(reliable: reliable)
        let invite = try Alice.invite(), options = try Alice.options()
        let inviteResponses = try Self.codes.map { try response($0, "X", to: invite) }
        let optionsResponses = try Self.codes.map { try response($0, "X", to: options) }
        var g = Generator(state: reliable ? 7 : 11)
        for _ in 0..<300 {
            var ict = try ClientInviteTransaction(invite: invite, configuration: config)
            var nict = try ClientNonInviteTransaction(request: options, configuration: config)
            var now = 0
            var ictOver = ict.start(at: ms(0)).contains(.terminated(.normal))
            var nictOver = nict.start(at: ms(0)).contains(.terminated(.normal))
            for _ in 0..<30 {
                now += g.next(40_000)
                let which = g.next(3)
                let timer = TransactionTimer.allCases[g.next(TransactionTimer.allCases.count)]
                let i = g.next(Self.codes.count)
                let a: TransactionActions = which == 0 ? ict.received(inviteResponses[i], at: ms(now))
                    : which == 1 ? ict.timerFired(timer, at: ms(now)) : ict.transportFailed(at: ms(now))
                #expect(!ictOver || a.isEmpty, "INVITE client acted after Terminated: \(a)")
                if a.contains(where: { if case .terminated = $0 { return true } else { return false } }) { ictOver = true }
                let b: TransactionActions = which == 0 ? nict.received(optionsResponses[i], at: ms(now))
                    : which == 1 ? nict.timerFired(timer, at: ms(now)) : nict.transportFailed(at: ms(now))
                #expect(!nictOver || b.isEmpty, "non-INVITE client acted after Terminated: \(b)")
                if b.contains(where: { if case .terminated = $0 { return true } else { return false } }) { nictOver = true }
            }
            #expect(ictOver == (ict.state == .terminated))
            #expect(nictOver == (nict.state == .terminated))
        }
    }

    @Test(arguments: [false, true]) func serverTransactionsSurviveAnything(reliable: Bool) throws {
        let config = TransactionConfiguration(reliable: reliable)
        let invite = try Alice.invite(), options = try Alice.options()
        let inviteResponses = try Self.codes.map { try response($0, "X", to: invite) }
        let optionsResponses = try Self.codes.map { try response($0, "X", to: options) }
        let ack = try InviteRequests.ackForNonSuccess(invite: invite, response: inviteResponses[7])
        var g = Generator(state: reliable ? 13 : 17)
        for _ in 0..<300 {
            var ist = try ServerInviteTransaction(invite: invite, configuration: config)
            var nist = try ServerNonInviteTransaction(request: options, configuration: config)
            var istOver = false, nistOver = false
            var now = 0
            for _ in 0..<30 {
                now += g.next(40_000)
                let which = g.next(4)
                let timer = TransactionTimer.allCases[g.next(TransactionTimer.allCases.count)]
                let i = g.next(Self.codes.count)
                let a: TransactionActions
                switch which {
                case 0: a = ist.respond(inviteResponses[i], at: ms(now))
                case 1: a = ist.received(g.next(2) == 0 ? invite : ack, at: ms(now))
                case 2: a = ist.timerFired(timer, at: ms(now))
                default: a = g.next(10) == 0 ? ist.transportFailed(at: ms(now)) : .none
                }
                #expect(!istOver || a.isEmpty, "INVITE server acted after Terminated: \(a)")
                if a.contains(where: { if case .terminated = $0 { return true } else { return false } }) { istOver = true }
                let b: TransactionActions
                switch which {
                case 0: b = nist.respond(optionsResponses[i], at: ms(now))
                case 1: b = nist.received(options, at: ms(now))
                case 2: b = nist.timerFired(timer, at: ms(now))
                default: b = g.next(10) == 0 ? nist.transportFailed(at: ms(now)) : .none
                }
                #expect(!nistOver || b.isEmpty, "non-INVITE server acted after Terminated: \(b)")
                if b.contains(where: { if case .terminated = $0 { return true } else { return false } }) { nistOver = true }
            }
            #expect(istOver == (ist.state == .terminated))
            #expect(nistOver == (nist.state == .terminated))
        }
    }
}
