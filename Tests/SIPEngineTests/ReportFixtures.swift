import Foundation
@testable import SIPEngine

/// Known statistics for the report tests. Every latency is below 2.048 ms, where an HdrHistogram of 3 significant
/// digits is exact, so percentiles can be checked to the microsecond.
enum ReportFixtures {
    static func record(_ s: inout CallStatistics, _ metric: LatencyMetric, _ micros: Int64, times: Int) {
        for _ in 0..<times { s.record(metric, .microseconds(micros)) }
    }

    /// 1000 calls: 990 completed, 10 failed (7 timeout, 3 unexpected-status); setup p50 1.2 ms, p90 1.5 ms,
    /// p99 1.9 ms, p99.9 and max 2.0 ms, mean 1.391 ms; INVITE finals 990×200, 5×486, 5×408 (SER 99%, SEER 99.5%).
    static var total: CallStatistics {
        var s = CallStatistics()
        s.started = 1000
        s.completed = 990
        for _ in 0..<7 { s.fail(.timeout, example: "call 17: nothing matched 200 (step 4, line 9) in time") }
        for _ in 0..<3 { s.fail(.unexpectedStatus, example: "call 42: received 486 Busy Here to INVITE while waiting for 200 (step 4, line 9)") }
        s.retransmissions = 12
        s.messagesSent = 4000
        s.messagesReceived = 3990
        s.inviteFinals = [200: 990, 486: 5, 408: 5]
        record(&s, .setup, 1200, times: 500)
        record(&s, .setup, 1500, times: 400)
        record(&s, .setup, 1900, times: 90)
        record(&s, .setup, 2000, times: 10)
        record(&s, .srd, 500, times: 1000)
        record(&s, .bye, 800, times: 990)
        s.conformance["rfc3261.8.1.1.required-header"] = .init(
            count: 4, severity: "error", firstExample: "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060\r\n\r\n")
        s.conformance["rfc3261.20.to-tag"] = .init(count: 9, severity: "warning", firstExample: "SIP/2.0 180 Ringing")
        s.recordUnparsed(.init(source: "10.0.0.9:5060", error: "line 1: not a request or status line",
                               bytes: Array("\u{1}junk\r\n".utf8)))
        return s
    }

    /// One second's worth: 100 calls started, 98 completed, 2 timeouts, setup 1.0–1.1 ms.
    static var interval: CallStatistics {
        var s = CallStatistics()
        s.started = 100
        s.completed = 98
        s.fail(.timeout)
        s.fail(.timeout)
        s.retransmissions = 1
        s.messagesSent = 400
        s.messagesReceived = 399
        record(&s, .setup, 1000, times: 50)
        record(&s, .setup, 1100, times: 48)
        return s
    }

    static func snapshot(elapsed: Duration = .seconds(12), total: CallStatistics = total) -> RunSnapshot {
        RunSnapshot(
            elapsed: elapsed, targetRate: 100, intervalSeconds: 1.0, active: 37, total: total, interval: interval,
            memoryPerDialogBytes: 2150)
    }

    static let startedAt = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T11:06:40Z

    static var parameters: RunParameters {
        RunParameters(
            flow: "uac-basic", role: .client, target: "10.0.0.2:5060",
            schedule: RateController(rate: 100, maxCalls: 1000, duration: .seconds(10)), startedAt: startedAt)
    }

    /// `total` without its failed calls: a run whose verdict only the conditions decide.
    static var cleanTotal: CallStatistics {
        var s = total
        s.completed += s.failed
        s.failed = 0
        s.failures = [:]
        return s
    }

    static func outcome(conditions: [String] = ["failed > 0.5%", "p99(setup) > 200ms"],
                        total: CallStatistics = total) throws -> RunOutcome {
        RunOutcome(
            parameters: parameters, elapsed: .seconds(12), rateWindow: .seconds(10), total: total,
            memoryPerDialogBytes: 2150, conditions: try conditions.map { try Threshold(parsing: $0) })
    }
}
