import Testing
@testable import SIPEngine

@Suite struct RateControllerTests {
    @Test func aConstantRateSpacesCallsEvenly() throws {
        let r = RateController(rate: 1000)
        #expect(r.startTime(ofCall: 0) == 0)
        #expect(try #require(r.startTime(ofCall: 1)) == 0.001)
        #expect(abs(try #require(r.startTime(ofCall: 10_000)) - 10) < 1e-9)
        #expect(r.callsDue(atSeconds: 2.5) == 2500)
    }

    @Test func aRampIntegratesTheRateThenHolds() throws {
        // 100 → 300 calls/s over 10 s: 2000 calls in the ramp, then 300/s.
        let r = RateController(from: 100, to: 300, rampDuration: .seconds(10))
        #expect(abs(r.callsDue(atSeconds: 10) - 2000) < 1e-9)
        #expect(abs(r.callsDue(atSeconds: 11) - 2300) < 1e-9)
        #expect(abs(try #require(r.startTime(ofCall: 2000)) - 10) < 1e-9)
        #expect(abs(try #require(r.startTime(ofCall: 2300)) - 11) < 1e-9)
        // Halfway through the ramp the rate is 200/s; calls due there: 100·5 + 200·25/20 = 750.
        #expect(r.rate(atSeconds: 5) == 200)
        #expect(abs(try #require(r.startTime(ofCall: 750)) - 5) < 1e-9)
        // Start times are increasing.
        var last = -1.0
        for n in stride(from: 0, to: 5000, by: 7) {
            let t = try #require(r.startTime(ofCall: n))
            #expect(t > last)
            last = t
        }
    }

    @Test func aDownwardRampWorksToo() throws {
        let r = RateController(from: 300, to: 100, rampDuration: .seconds(10))
        #expect(abs(try #require(r.startTime(ofCall: 2000)) - 10) < 1e-9)
        #expect(abs(r.callsDue(atSeconds: try #require(r.startTime(ofCall: 1234))) - 1234) < 1e-6)
    }

    @Test func countAndDurationEndTheSchedule() {
        let byCount = RateController(rate: 10, maxCalls: 3)
        #expect(byCount.startTime(ofCall: 2) != nil)
        #expect(byCount.startTime(ofCall: 3) == nil)
        let byTime = RateController(rate: 10, duration: .seconds(1))
        #expect(byTime.startTime(ofCall: 9) != nil)
        #expect(byTime.startTime(ofCall: 10) == nil, "call 10 is due at 1.0 s, when the run has ended")
    }
}

@Suite struct ThresholdTests {
    func stats(started: UInt64, failed: UInt64, setups: [Duration] = []) -> CallStatistics {
        var s = CallStatistics()
        s.started = started
        s.failed = failed
        s.completed = started - failed
        for d in setups { s.record(.setup, d) }
        return s
    }

    @Test func failedPercentOfStartedCalls() throws {
        let t = try Threshold(parsing: "failed > 0.1%")
        #expect(t.isPercentOfStarted)
        #expect(!t.isCrossed(by: stats(started: 10_000, failed: 10), achievedRate: 0))
        #expect(t.isCrossed(by: stats(started: 10_000, failed: 11), achievedRate: 0))
    }

    @Test func absoluteCountsAndRate() throws {
        #expect(try Threshold(parsing: "failed>0").isCrossed(by: stats(started: 5, failed: 1), achievedRate: 0))
        #expect(!(try Threshold(parsing: "failed > 0").isCrossed(by: stats(started: 5, failed: 0), achievedRate: 0)))
        #expect(try Threshold(parsing: "rate < 990").isCrossed(by: stats(started: 1, failed: 0), achievedRate: 989.9))
        #expect(!(try Threshold(parsing: "rate < 990").isCrossed(by: stats(started: 1, failed: 0), achievedRate: 990)))
    }

    @Test func latencyPercentiles() throws {
        let setups = (1...100).map { Duration.milliseconds($0 * 3) }  // 3 ms … 300 ms
        let s = stats(started: 100, failed: 0, setups: setups)
        #expect(try Threshold(parsing: "p99(setup) > 200ms").isCrossed(by: s, achievedRate: 0))
        #expect(!(try Threshold(parsing: "p50(setup) > 200ms").isCrossed(by: s, achievedRate: 0)))
        #expect(try Threshold(parsing: "max(setup) >= 0.3s").isCrossed(by: s, achievedRate: 0))
        #expect(!(try Threshold(parsing: "p99(bye) > 1ms").isCrossed(by: s, achievedRate: 0)), "no samples: not crossed")
    }

    @Test func badConditionsSayWhatIsWrong() {
        #expect(throws: ThresholdError.self) { try Threshold(parsing: "failed 3") }
        #expect(throws: ThresholdError("'lost > 3': unknown quantity 'lost' (failed, completed, started, retransmissions, rate, ser, seer, pNN(metric), max(metric), mean(metric))")) {
            try Threshold(parsing: "lost > 3")
        }
        #expect(throws: ThresholdError.self) { try Threshold(parsing: "p99(setup) > 200") }
        #expect(throws: ThresholdError.self) { try Threshold(parsing: "p99(dial) > 200ms") }
        #expect(throws: ThresholdError.self) { try Threshold(parsing: "p101(setup) > 200ms") }
    }
}

@Suite struct CallStatisticsTests {
    @Test func mergeAddsCountsAndHistograms() throws {
        var a = CallStatistics(), b = CallStatistics()
        a.started = 2; a.fail(.timeout); a.record(.setup, .milliseconds(10))
        b.started = 3; b.fail(.timeout); b.fail(.unexpectedStatus); b.record(.setup, .milliseconds(30))
        a.merge(b)
        #expect(a.started == 5 && a.failed == 3)
        #expect(a.failures == [.timeout: 2, .unexpectedStatus: 1])
        #expect(a.histograms[.setup]?.totalCount == 2)
        let max = try #require(a.max(.setup))
        #expect(abs(max.seconds - 0.030) < 0.0001)
    }

    @Test func rfc6076RatiosLeaveRedirectsOut() throws {
        var s = CallStatistics()
        s.inviteFinals = [200: 90, 486: 5, 302: 10, 503: 5]
        #expect(try #require(s.sessionEstablishmentRatio) == 90)
        #expect(try #require(s.sessionEstablishmentEffectivenessRatio) == 95)
    }

    @Test func durationText() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("5m") == .seconds(300))
        #expect(DurationText.parse("ten") == nil)
        #expect(DurationText.parse("-1s") == nil)
        #expect(DurationText.format(.milliseconds(1500)) == "1.5s")
        #expect(DurationText.format(.microseconds(2500)) == "2.5ms")
    }
}

@Suite struct FailureExampleTests {
    @Test func theFirstExampleOfEachReasonIsKeptThroughMerges() {
        var a = CallStatistics(), b = CallStatistics()
        a.fail(.timeout, example: "call 1: first")
        a.fail(.timeout, example: "call 2: second")
        b.fail(.timeout, example: "call 3: other shard")
        b.fail(.unexpectedStatus, example: "call 4: received 486")
        a.merge(b)
        #expect(a.failureExamples == [.timeout: "call 1: first", .unexpectedStatus: "call 4: received 486"])
    }

    @Test func theSummaryShowsTheFirstFailureOfEachReason() throws {
        let o = try ReportFixtures.outcome(conditions: [])
        let lines = SummaryTable(o).lines
        #expect(lines.contains("First failure of each reason"))
        #expect(lines.contains("  timeout: call 17: nothing matched 200 (step 4, line 9) in time"))
        #expect(lines.contains("  unexpected-status: call 42: received 486 Busy Here to INVITE while waiting for 200 (step 4, line 9)"))
    }
}
