import Testing
@testable import SIPEngine

@Suite struct RunOutcomeTests {
    @Test func theAchievedRateLeavesOutTheWaitForTheLastCalls() throws {
        // 1000 calls started over a 10 s schedule; the run took 12 s in all.
        let o = try ReportFixtures.outcome(conditions: ["rate < 99"])
        #expect(o.achievedRate == 100)
        #expect(o.thresholds[0].measured == 100)
        #expect(!o.thresholds[0].crossed)
        let noWindow = RunOutcome(
            parameters: ReportFixtures.parameters, elapsed: .seconds(8), total: ReportFixtures.total, conditions: [])
        #expect(noWindow.achievedRate == 125)
    }

    @Test func conditionsAreReportedInTheUnitTheyAreWrittenIn() throws {
        let o = try ReportFixtures.outcome(conditions: [
            "failed > 0.5%", "failed > 20", "p99(setup) > 1.8ms", "ser < 99.5", "retransmissions > 0", "rate < 99",
        ])
        let r = o.thresholds
        #expect(r.map(\.unit) == [.percent, .count, .milliseconds, .percent, .count, .callsPerSecond])
        #expect(r.map(\.measured) == [1, 10, 1.9, 99, 12, 100])
        #expect(r.map(\.limit) == [0.5, 20, 1.8, 99.5, 0, 99])
        #expect(r.map(\.crossed) == [true, false, true, true, true, false])
        #expect(r.map(\.measuredText) == ["1.00%", "10", "1.9ms", "99.00%", "12", "100.0 calls/s"])
        #expect(o.verdict == .failed)
        #expect(o.exitCode == 1)
    }

    @Test func aLatencyWithoutSamplesIsNotCrossed() throws {
        let o = try ReportFixtures.outcome(conditions: ["p99(register) > 0ms"], total: ReportFixtures.cleanTotal)
        #expect(o.thresholds[0].measured == nil)
        #expect(o.thresholds[0].measuredText == "-")
        #expect(!o.thresholds[0].crossed)
        #expect(o.verdict == .passed)
        #expect(o.exitCode == 0)
    }

    @Test func aRunThatPlacedNoCallFails() throws {
        // Stopped (Ctrl-C) before its first call: nothing was measured, so it does not pass.
        let placedNone = RunOutcome(parameters: ReportFixtures.parameters, elapsed: .seconds(1), total: CallStatistics(),
                                    conditions: [])
        #expect(placedNone.placedNoCall)
        #expect(placedNone.verdict == .failed)
        #expect(placedNone.exitCode == 1)
        // A `serve` that nobody called passes: it may only have answered OPTIONS pings.
        var answering = ReportFixtures.parameters
        answering.role = .server
        answering.schedule = nil
        let calledByNone = RunOutcome(parameters: answering, elapsed: .seconds(1), total: CallStatistics(), conditions: [])
        #expect(!calledByNone.placedNoCall)
        #expect(calledByNone.verdict == .passed)
        #expect(calledByNone.exitCode == 0)
    }

    @Test func aFailedCallFailsTheRunWithoutConditions() throws {
        let o = try ReportFixtures.outcome(conditions: [])
        #expect(o.total.failed == 10)
        #expect(o.verdict == .failed)
        #expect(o.exitCode == 1)
        #expect(try ReportFixtures.outcome(conditions: [], total: ReportFixtures.cleanTotal).exitCode == 0)
    }

    @Test func failedPercentIsOfStartedCalls() throws {
        #expect(try ReportFixtures.outcome().failedPercent == 1)
        let empty = RunOutcome(parameters: ReportFixtures.parameters, elapsed: .zero, total: CallStatistics(), conditions: [])
        #expect(empty.failedPercent == 0)
        #expect(empty.achievedRate == 0)
        #expect(!empty.hasInvites)
    }
}
