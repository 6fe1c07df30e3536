import Testing
@testable import SIPMonitor

@Suite struct HealthTrackerTests {
    @Test func downAfterThreeConsecutiveFailuresUpAfterTwoSuccesses() {
        var h = HealthTracker(downAfter: 3, upAfter: 2)
        #expect(h.state == .unknown)
        #expect(h.record(success: true) == nil)                                    // probe 1
        #expect(h.record(success: true) == .init(from: .unknown, to: .up, probe: 2, consecutive: 2))
        #expect(h.record(success: false) == nil)                                   // probe 3
        #expect(h.record(success: false) == nil)                                   // probe 4
        #expect(h.state == .up, "two failures are not yet three")
        #expect(h.record(success: false) == .init(from: .up, to: .down, probe: 5, consecutive: 3))
        #expect(h.record(success: false) == nil, "already down: no second transition")
        #expect(h.record(success: true) == nil)                                    // probe 7
        #expect(h.record(success: false) == nil, "one success does not bring it up; the count restarts")
        #expect(h.record(success: true) == nil)                                    // probe 9
        #expect(h.record(success: true) == .init(from: .down, to: .up, probe: 10, consecutive: 2))
        #expect(h.state == .up && h.probes == 10)
    }

    @Test func aFlappingTargetNeverReachesEitherThreshold() {
        var h = HealthTracker(downAfter: 2, upAfter: 2)
        for i in 0..<20 { #expect(h.record(success: i % 2 == 0) == nil) }
        #expect(h.state == .unknown)
    }

    @Test func withThresholdsOfOneEveryChangeIsATransition() {
        var h = HealthTracker()
        #expect(h.record(success: false)?.to == .down)
        #expect(h.record(success: true)?.to == .up)
        #expect(h.record(success: true) == nil)
        #expect(h.record(success: false)?.to == .down)
    }
}
