import Foundation

/// The plain-text summary printed when a run ends: parameters, totals, latency, RFC 6076 figures, conformance
/// findings, memory, `--fail-if` results and the verdict, in aligned columns.
public struct SummaryTable: Sendable {
    public let outcome: RunOutcome

    public init(_ outcome: RunOutcome) { self.outcome = outcome }

    /// The whole summary, lines ending in a newline.
    public var text: String { lines.map { $0 + "\n" }.joined() }

    public var lines: [String] {
        var out = runSection()
        out += [""] + callsSection()
        out += latencySection()
        out += rfc6076Section()
        out += conformanceSection()
        out += unparsedSection()
        if let m = outcome.memoryPerDialogBytes { out += ["", "Memory per dialog  " + ReportText.bytes(m)] }
        out += thresholdSection()
        out += ["", verdictLine]
        return out
    }

    func runSection() -> [String] {
        let p = outcome.parameters
        var t = TextTable([.left, .left])
        t.add("flow", p.flow)
        t.add("role", p.role == .client ? "client (places calls)" : "server (answers calls)")
        t.add("target", p.target)
        t.add("rate", Self.rateText(p.schedule))
        var ran = "ran " + DurationText.format(outcome.elapsed)
        if let d = p.schedule?.duration { ran = DurationText.format(d) + " scheduled, " + ran }
        t.add("duration", ran)
        if let n = p.schedule?.maxCalls { t.add("calls limit", "\(n)") }
        t.add("started at", p.startedAt.formatted(.iso8601))
        return ["Run"] + t.render()
    }

    static func rateText(_ schedule: RateController?) -> String {
        guard let s = schedule else { return "as offered by the peer" }
        if s.from == s.to || s.rampDuration <= .zero { return ReportText.decimal(s.to, places: 1) + " calls/s" }
        return "ramp " + ReportText.decimal(s.from, places: 1) + " to " + ReportText.decimal(s.to, places: 1)
            + " calls/s over " + DurationText.format(s.rampDuration)
    }

    func callsSection() -> [String] {
        let s = outcome.total
        func pct(_ n: UInt64) -> String {
            guard s.started > 0 else { return "" }
            let text = ReportText.fixed(Double(n) / Double(s.started) * 100, places: 2) + "%"
            return String(repeating: " ", count: max(0, 7 - text.count)) + text
        }
        var t = TextTable([.left, .right, .left])
        t.add("started", "\(s.started)", "")
        t.add("completed", "\(s.completed)", pct(s.completed))
        t.add("failed", "\(s.failed)", pct(s.failed))
        for (reason, n) in LiveView.failuresByReason(s) {
            t.add("  " + reason.rawValue, "\(n)", pct(n))
        }
        t.add("retransmissions", "\(s.retransmissions)", "")
        t.add("messages sent", "\(s.messagesSent)", "")
        t.add("messages received", "\(s.messagesReceived)", "")
        var unit = "calls/s"
        if let sched = outcome.parameters.schedule { unit += " (target " + ReportText.decimal(sched.to, places: 1) + ")" }
        t.add("achieved rate", ReportText.fixed(outcome.achievedRate, places: 1), unit)
        return ["Calls"] + t.render() + failureExampleLines()
    }

    /// The first failure of each reason, one line each: what to look at first.
    func failureExampleLines() -> [String] {
        let s = outcome.total
        let examples = LiveView.failuresByReason(s).compactMap { reason, _ in
            s.failureExamples[reason].map { "  \(reason.rawValue): " + ReportText.oneLine($0, columns: 150) }
        }
        return examples.isEmpty ? [] : ["", "First failure of each reason"] + examples
    }

    func latencySection() -> [String] {
        let s = outcome.total
        let metrics = LatencyMetric.allCases.filter { s.histograms[$0].map { $0.totalCount > 0 } == true }
        guard !metrics.isEmpty else { return [] }
        var t = TextTable([.left, .right, .right, .right, .right, .right, .right])
        t.add("metric", "p50", "p90", "p99", "p99.9", "max", "count")
        func ms(_ d: Duration?) -> String { d.map { ReportText.fixed(ReportText.milliseconds($0), places: 3) } ?? "-" }
        for m in metrics {
            t.add(
                m.rawValue, ms(s.percentile(m, 50)), ms(s.percentile(m, 90)), ms(s.percentile(m, 99)),
                ms(s.percentile(m, 99.9)), ms(s.max(m)), "\(s.histograms[m]?.totalCount ?? 0)")
        }
        return ["", "Latency (ms)"] + t.render()
    }

    func rfc6076Section() -> [String] {
        guard outcome.hasInvites else { return [] }
        let s = outcome.total
        func delay(_ m: LatencyMetric) -> String {
            guard let mean = s.mean(m) else { return "-" }
            return "mean " + ReportText.fixed(ReportText.milliseconds(mean), places: 3) + " ms  ("
                + "\(s.histograms[m]?.totalCount ?? 0) samples)"
        }
        func ratio(_ r: Double?) -> String { r.map { ReportText.fixed($0, places: 2) + "%" } ?? "-" }
        var t = TextTable([.left, .left, .left])
        t.add("SRD", "session request delay", delay(.srd))
        t.add("SDD", "session disconnect delay", delay(.bye))
        t.add("SER", "session establishment ratio", ratio(s.sessionEstablishmentRatio))
        t.add("SEER", "session establishment effectiveness ratio", ratio(s.sessionEstablishmentEffectivenessRatio))
        return ["", "RFC 6076"] + t.render()
    }

    /// Findings, errors first, then by count (largest first) and rule ID.
    static func sortedFindings(_ s: CallStatistics) -> [(String, CallStatistics.ConformanceCount)] {
        let rank = ["error": 0, "warning": 1, "info": 2]
        return s.conformance.sorted { a, b in
            let (ra, rb) = (rank[a.value.severity] ?? 3, rank[b.value.severity] ?? 3)
            if ra != rb { return ra < rb }
            if a.value.count != b.value.count { return a.value.count > b.value.count }
            return a.key < b.key
        }
    }

    func conformanceSection() -> [String] {
        let findings = Self.sortedFindings(outcome.total)
        guard !findings.isEmpty else { return [] }
        var t = TextTable([.left, .left, .right, .left])
        t.add("rule", "severity", "count", "first example")
        for (rule, c) in findings { t.add(rule, c.severity, "\(c.count)", ReportText.oneLine(c.firstExample, columns: 60)) }
        return ["", "Conformance"] + t.render()
    }

    /// Datagrams that did not parse, with the first few.
    func unparsedSection() -> [String] {
        let s = outcome.total
        guard s.unparsed > 0 else { return [] }
        var t = TextTable([.left, .left, .left])
        t.add("from", "error", "first bytes")
        for e in s.unparsedExamples { t.add(e.source, ReportText.oneLine(e.error, columns: 40), ReportText.oneLine(e.firstBytes, columns: 40)) }
        return ["", "Unparsed datagrams: \(s.unparsed)"] + t.render()
    }

    func thresholdSection() -> [String] {
        guard !outcome.thresholds.isEmpty else { return [] }
        var t = TextTable([.left, .right, .left])
        t.add("condition", "measured", "result")
        for r in outcome.thresholds { t.add(r.threshold.text, r.measuredText, r.crossed ? "CROSSED" : "ok") }
        return ["", "Fail if (--fail-if)"] + t.render()
    }

    public var verdictLine: String {
        let crossed = outcome.thresholds.filter(\.crossed).count
        let code = "exit code \(outcome.exitCode)"
        let failed = outcome.total.failed
        let calls = failed == 1 ? "1 call failed" : "\(failed) calls failed"
        switch outcome.verdict {
        case .failed where outcome.placedNoCall && crossed == 0 && outcome.exitCode == 1:
            return "Verdict: FAILED, no call was started, so nothing was measured (\(code))"
        case .passed where outcome.thresholds.isEmpty:
            return "Verdict: PASSED, no call failed, no --fail-if conditions given (\(code))"
        case .passed:
            return "Verdict: PASSED, no call failed, none of \(outcome.thresholds.count) conditions crossed (\(code))"
        case .failed where crossed > 0 && failed > 0:
            return "Verdict: FAILED, \(calls), \(crossed) of \(outcome.thresholds.count) conditions crossed (\(code))"
        case .failed where crossed > 0:
            return "Verdict: FAILED, \(crossed) of \(outcome.thresholds.count) conditions crossed (\(code))"
        case .failed where failed > 0:
            return "Verdict: FAILED, \(calls) (\(code))"
        case .failed:
            return "Verdict: FAILED (\(code))"
        }
    }
}
