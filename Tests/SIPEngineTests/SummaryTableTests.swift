import Foundation
import Testing
@testable import SIPEngine

@Suite struct SummaryTableTests {
    @Test func theSummaryPrintsEverySectionInAlignedColumns() throws {
        let text = SummaryTable(try ReportFixtures.outcome()).text
        #expect(text == """
            Run
              flow         uac-basic
              role         client (places calls)
              target       10.0.0.2:5060
              rate         100 calls/s
              duration     10s scheduled, ran 12s
              calls limit  1000
              started at   2026-11-18T11:06:40Z

            Calls
              started               1000
              completed              990   99.00%
              failed                  10    1.00%
                timeout                7    0.70%
                unexpected-status      3    0.30%
              retransmissions         12
              messages sent         4000
              messages received     3990
              achieved rate        100.0  calls/s (target 100)

            First failure of each reason
              timeout: call 17: nothing matched 200 (step 4, line 9) in time
              unexpected-status: call 42: received 486 Busy Here to INVITE while waiting for 200 (step 4, line 9)

            Latency (ms)
              metric    p50    p90    p99  p99.9    max  count
              setup   1.200  1.500  1.900  2.000  2.000   1000
              bye     0.800  0.800  0.800  0.800  0.800    990
              srd     0.500  0.500  0.500  0.500  0.500   1000

            RFC 6076
              SRD   session request delay                      mean 0.500 ms  (1000 samples)
              SDD   session disconnect delay                   mean 0.800 ms  (990 samples)
              SER   session establishment ratio                99.00%
              SEER  session establishment effectiveness ratio  99.50%

            Conformance
              rule                           severity  count  first example
              rfc3261.8.1.1.required-header  error         4  SIP/2.0 200 OK
              rfc3261.20.to-tag              warning       9  SIP/2.0 180 Ringing

            Unparsed datagrams: 1
              from           error                                 first bytes
              10.0.0.9:5060  line 1: not a request or status line  \\x01junk\\r\\n

            Memory per dialog  2.1 KiB

            Fail if (--fail-if)
              condition           measured  result
              failed > 0.5%          1.00%  CROSSED
              p99(setup) > 200ms     1.9ms  ok

            Verdict: FAILED, 10 calls failed, 1 of 2 conditions crossed (exit code 1)

            """)
    }

    @Test func sectionsWithNothingToSayAreLeftOut() {
        var total = CallStatistics()
        total.started = 20
        total.completed = 20
        ReportFixtures.record(&total, .options, 300, times: 20)
        let outcome = RunOutcome(
            parameters: RunParameters(
                flow: "options-ping", role: .server, target: "0.0.0.0:5060", schedule: nil,
                startedAt: ReportFixtures.startedAt),
            elapsed: .seconds(4), total: total, conditions: [])
        let lines = SummaryTable(outcome).lines
        #expect(lines.contains("  rate        as offered by the peer"))
        #expect(lines.contains("  role        server (answers calls)"))
        #expect(lines.contains("  achieved rate      5.0  calls/s"))
        #expect(lines.contains("  options  0.300  0.300  0.300  0.300  0.300     20"))
        for absent in ["RFC 6076", "Conformance", "Memory per dialog", "Fail if (--fail-if)", "  calls limit", "    timeout"] {
            #expect(!lines.contains { $0.hasPrefix(absent) }, "unexpected \(absent)")
        }
        #expect(lines.last == "Verdict: PASSED, no call failed, no --fail-if conditions given (exit code 0)")
    }

    @Test func aRampIsDescribedFromTo() {
        let ramp = RateController(from: 10, to: 500.5, rampDuration: .seconds(30))
        #expect(SummaryTable.rateText(ramp) == "ramp 10 to 500.5 calls/s over 30s")
    }

    @Test func latencyAboveTheExactRangeIsWithinHistogramPrecision() throws {
        var total = CallStatistics()
        ReportFixtures.record(&total, .setup, 123_456, times: 1)
        let outcome = RunOutcome(
            parameters: ReportFixtures.parameters, elapsed: .seconds(1), total: total, conditions: [])
        let row = try #require(SummaryTable(outcome).lines.first { $0.hasPrefix("  setup") })
        let p50 = try #require(Double(row.split(separator: " ")[1]))
        #expect(abs(p50 - 123.456) <= 123.456 * 0.001)
    }

    @Test func aLongFirstExampleIsCutToOneLine() {
        var total = ReportFixtures.total
        total.conformance = ["rfc3261.8.1.1.required-header": .init(
            count: 1, severity: "error",
            firstExample: "  INVITE sip:" + String(repeating: "a", count: 100) + "@example.com SIP/2.0\r\nVia: x\r\n")]
        let outcome = RunOutcome(parameters: ReportFixtures.parameters, elapsed: .seconds(1), total: total, conditions: [])
        let row = SummaryTable(outcome).lines.first { $0.hasPrefix("  rfc3261.8.1.1.required-header") } ?? ""
        #expect(row.hasSuffix("  INVITE sip:" + String(repeating: "a", count: 48) + "…"))
    }

    @Test func unparsedDatagramsAreListedWithTheirSource() {
        let outcome = RunOutcome(parameters: ReportFixtures.parameters, elapsed: .seconds(1), total: ReportFixtures.total,
                                 conditions: [])
        let lines = SummaryTable(outcome).lines
        #expect(lines.contains("Unparsed datagrams: 1"), "\(lines)")
        let row = lines.first { $0.contains("10.0.0.9:5060") } ?? ""
        #expect(row.contains("not a request or status line") && row.contains("\\x01junk\\r\\n"), "\(row)")
    }

    @Test func verdictLinesSayWhatHappened() throws {
        let passing = try ReportFixtures.outcome(conditions: ["failed > 5%", "p99(register) > 1ms"],
                                                 total: ReportFixtures.cleanTotal)
        #expect(SummaryTable(passing).verdictLine == "Verdict: PASSED, no call failed, none of 2 conditions crossed (exit code 0)")
        var crashed = passing
        crashed.verdict = .failed
        crashed.exitCode = 3
        #expect(SummaryTable(crashed).verdictLine == "Verdict: FAILED (exit code 3)")
        let callsFailed = try ReportFixtures.outcome(conditions: ["failed > 5%"])
        #expect(SummaryTable(callsFailed).verdictLine == "Verdict: FAILED, 10 calls failed (exit code 1)")
        let placedNone = RunOutcome(parameters: ReportFixtures.parameters, elapsed: .seconds(1), total: CallStatistics(),
                                    conditions: [])
        #expect(SummaryTable(placedNone).verdictLine
                == "Verdict: FAILED, no call was started, so nothing was measured (exit code 1)")
    }
}
