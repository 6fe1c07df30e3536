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
        t.proceeding(at: .milliseconds(700))                 // 100 Trying at 0.7 s
        #expect(t.due == .milliseconds(4_700))                // next at 0.7 + T2
        t.fired()
        #expect(t.due == .milliseconds(8_700))                // every T2 from then on
        t.fired()
        #expect(t.due == nil)                                 // 12.7 s is past the timeout
    }
}
