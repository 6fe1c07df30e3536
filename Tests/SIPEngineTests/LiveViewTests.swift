import Foundation
import Testing
@testable import SIPEngine

/// Collects what the live view writes.
final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [String] = []
    var all: [String] { lock.withLock { chunks } }
    var write: @Sendable (String) -> Void { { text in self.lock.withLock { self.chunks.append(text) } } }
}

@Suite struct LiveViewTests {
    @Test func thePlainLineNamesEveryFigure() {
        #expect(
            LiveView.plainLine(ReportFixtures.snapshot())
                == "t=12s rate=100.0/100 active=37 completed=990 failed=10(timeout=7,unexpected-status=3) retx=12 "
                + "setup p50=1.2ms p95=1.9ms p99=1.9ms")
    }

    @Test func thePlainLineFollowsRegisterWhenThereIsNoSetupAndLeavesOutAMissingTarget() {
        var total = CallStatistics()
        total.started = 50
        total.completed = 50
        ReportFixtures.record(&total, .register, 700, times: 50)
        var s = ReportFixtures.snapshot(elapsed: .milliseconds(3_900), total: total)
        s.targetRate = 0
        s.interval = CallStatistics()
        #expect(
            LiveView.plainLine(s)
                == "t=3s rate=0.0 active=37 completed=50 failed=0 retx=0 register p50=700µs p95=700µs p99=700µs")
    }

    @Test func thePlainLineShowsDashesBeforeAnyLatency() {
        let s = ReportFixtures.snapshot(total: CallStatistics())
        #expect(LiveView.plainLine(s).hasSuffix(" setup p50=- p95=- p99=-"))
    }

    @Test func actualRateIsCallsStartedInTheIntervalOverItsLength() {
        var s = ReportFixtures.snapshot()
        s.intervalSeconds = 0.8
        #expect(s.actualRate == 125)
        s.intervalSeconds = 0
        #expect(s.actualRate == 0)
    }

    @Test func plainStyleWritesOneLinePerSnapshotWithoutEscapes() {
        let out = Captured()
        var view = LiveView(style: .plain, write: out.write)
        view.show(ReportFixtures.snapshot(elapsed: .seconds(1)))
        view.show(ReportFixtures.snapshot(elapsed: .seconds(2)))
        #expect(out.all.count == 2)
        #expect(out.all.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\u{1B}") })
        #expect(out.all[1].hasPrefix("t=2s "))
    }

    @Test func theTerminalBlockShowsRatesCallsFailuresAndLatency() {
        #expect(
            LiveView.frame(ReportFixtures.snapshot(elapsed: .seconds(125))) == [
                "sipflow  2m05s  rate 100.0/s (target 100)  active 37",
                "calls    started 1000  completed 990  failed 10 (1.00%)  retx 12",
                "failed   timeout 7  unexpected-status 3",
                "setup    p50 1.2ms  p95 1.9ms  p99 1.9ms  (last 1s p99 1.1ms)",
            ])
    }

    @Test func theTerminalRedrawsInPlace() {
        let out = Captured()
        var view = LiveView(style: .terminal(columns: { 200 }), write: out.write)
        view.show(ReportFixtures.snapshot(elapsed: .seconds(1), total: CallStatistics()))
        view.show(ReportFixtures.snapshot(elapsed: .seconds(2)))
        view.show(ReportFixtures.snapshot(elapsed: .seconds(3)))
        let frames = out.all
        #expect(frames.count == 3)
        // The first block has no failure line: 3 lines, drawn from where the cursor is.
        #expect(frames[0].hasPrefix("\r\u{1B}[2Ksipflow  1s"))
        #expect(frames[0].components(separatedBy: "\n").count == 4)
        // Then the cursor goes back up over what was drawn before, every line is erased and rewritten, and
        // whatever was below the block is cleared.
        #expect(frames[1].hasPrefix("\u{1B}[3A\r\u{1B}[2Ksipflow  2s"))
        #expect(frames[2].hasPrefix("\u{1B}[4A\r\u{1B}[2Ksipflow  3s"))
        #expect(frames[2].hasSuffix("\n\u{1B}[J"))
    }

    @Test func aNarrowTerminalGetsCutLines() {
        let out = Captured()
        var view = LiveView(style: .terminal(columns: { 24 }), write: out.write)
        view.show(ReportFixtures.snapshot())
        let lines = out.all[0].components(separatedBy: "\n").dropLast()
        #expect(lines.count == 4)
        for line in lines {
            let text = line.replacingOccurrences(of: "\r\u{1B}[2K", with: "")
            #expect(text.count == 23)
            #expect(text.hasSuffix("…"))
        }
    }

    @Test func truncateKeepsShortLinesAndMarksCutOnes() {
        #expect(ReportText.truncate("abcdef", toColumns: 4) == "abc…")
        #expect(ReportText.truncate("abcd", toColumns: 4) == "abcd")
        #expect(ReportText.truncate("µs ok", toColumns: 3) == "µs…")
        #expect(ReportText.truncate("abc", toColumns: 0) == "")
    }

    @Test func elapsedTimeReadsAsAClock() {
        #expect(ReportText.clock(.milliseconds(59_999)) == "59s")
        #expect(ReportText.clock(.seconds(60)) == "1m00s")
        #expect(ReportText.clock(.seconds(3723)) == "1h02m03s")
    }
}
