import Testing
@testable import SIPMonitor

@Suite struct TimerETests {
    @Test func withTheDefaultsAndAFiveSecondTimeoutRetransmissionsGoOutAtHalfOneAndAHalfAndThreeAndAHalfSeconds() {
        #expect(TimerE.schedule(timeout: .seconds(5)) == [.milliseconds(500), .milliseconds(1_500), .milliseconds(3_500)])
    }

    @Test func theIntervalDoublesUpToT2AndThenStaysThere() {
        // RFC 3261 §17.1.2.2: 500 ms, 1 s, 2 s, 4 s, 4 s, … → offsets 0.5, 1.5, 3.5, 7.5, 11.5, 15.5
        #expect(TimerE.schedule(timeout: .seconds(16)) == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5].map { .milliseconds(Int($0 * 1000)) })
    }

    @Test func timerFEndsTheScheduleWhenTheTimeoutIsLonger() {
        #expect(TimerE.schedule(timeout: .seconds(60)).last == .milliseconds(31_500), "64·T1 = 32 s")
    }

    @Test func nothingIsRetransmittedAtOrAfterTheTimeout() {
        #expect(TimerE.schedule(timeout: .milliseconds(500)) == [])
        #expect(TimerE.schedule(timeout: .milliseconds(501)) == [.milliseconds(500)])
        #expect(TimerE.schedule(t1: .milliseconds(10), t2: .milliseconds(40), timeout: .milliseconds(100))
                == [10, 30, 70].map { .milliseconds($0) })
    }

    @Test func aProvisionalResponseMovesTheTimerToT2() {
        var t = TimerE(timeout: .seconds(10))
        #expect(t.due == .milliseconds(500))
        t.fired()
        #expect(t.due == .milliseconds(1_500))
        t.proceeding()                                        // 100 Trying at 0.7 s
        #expect(t.due == .milliseconds(1_500), "the retransmission already due still goes out")
        t.fired()
        #expect(t.due == .milliseconds(5_500))                // then every T2
        t.fired()
        #expect(t.due == .milliseconds(9_500))
        t.fired()
        #expect(t.due == nil)                                 // 13.5 s is past the timeout
    }
}

import SIPCore
import SIPTransaction

/// The transaction the prober drives retransmits on exactly the schedule `TimerE` describes.
@Suite struct TimerEAgreesWithTheTransactionTests {
    @Test(arguments: [5, 16, 40])
    func sameOffsets(timeoutSeconds: Int) throws {
        let timeout = Duration.seconds(timeoutSeconds)
        let request = try SIPMessage.request(.options, uri: "sip:127.0.0.1", headers: [
            ("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-agree"), ("From", "<sip:a@b>;tag=1"), ("To", "<sip:c@d>"),
            ("Call-ID", "agree"), ("CSeq", "1 OPTIONS"), ("Max-Forwards", "70"),
        ])
        var tx = try ClientNonInviteTransaction(request: request)
        // Fire every scheduled timer in time order, collecting when sends happen, until the timeout.
        var pending: [(TransactionTimer, SIPInstant)] = []
        var sends: [Duration] = []
        func take(_ actions: TransactionActions, at now: SIPInstant) {
            for a in actions {
                if case .send = a { sends.append(now - .zero) }
                if case .schedule(let timer, let after) = a { pending.append((timer, now + after)) }
            }
        }
        take(tx.start(at: .zero), at: .zero)
        while let next = pending.min(by: { $0.1 < $1.1 }), next.1 - .zero < timeout {
            pending.removeAll { $0.0 == next.0 && $0.1 == next.1 }
            take(tx.timerFired(next.0, at: next.1), at: next.1)
        }
        #expect(Array(sends.dropFirst()) == TimerE.schedule(timeout: timeout))
    }
}
