import Foundation

extension RunReport {
    /// The report for a finished run. `timeline` holds the rows written each second (see `CSVTimeline.append`
    /// or `TimelineRow.init`); `toolVersion` is sipflow's version.
    public init(outcome o: RunOutcome, timeline: [TimelineRow], toolVersion: String) {
        let s = o.total
        let p = o.parameters
        let r3 = TimelineRow.round3
        schemaVersion = Self.schemaVersion
        tool = Tool(name: "sipflow", version: toolVersion)
        run = Run(
            flow: p.flow, role: p.role, target: p.target, startedAt: p.startedAt,
            durationSeconds: r3(o.elapsed.seconds),
            scheduledDurationSeconds: p.schedule?.duration.map { r3($0.seconds) },
            rate: p.schedule.map { Rate(target: $0.to, from: $0.from, to: $0.to, rampSeconds: r3($0.rampDuration.seconds)) },
            callsLimit: p.schedule?.maxCalls)
        totals = Totals(
            started: s.started, completed: s.completed, failed: s.failed, failedPercent: r3(o.failedPercent),
            retransmissions: s.retransmissions, messagesSent: s.messagesSent, messagesReceived: s.messagesReceived,
            achievedRate: r3(o.achievedRate), rateWindowSeconds: r3(o.rateWindow.seconds))
        failures = Dictionary(uniqueKeysWithValues: s.failures.filter { $0.value > 0 }.map { ($0.key.rawValue, $0.value) })
        failureExamples = Dictionary(uniqueKeysWithValues: s.failureExamples.map { ($0.key.rawValue, $0.value) })
        var latency: [String: Latency] = [:]
        for m in LatencyMetric.allCases {
            guard let h = s.histograms[m], h.totalCount > 0 else { continue }
            func ms(_ d: Duration?) -> Double { d.map(ReportText.milliseconds) ?? 0 }
            latency[m.rawValue] = Latency(
                count: h.totalCount, p50: ms(s.percentile(m, 50)), p90: ms(s.percentile(m, 90)),
                p99: ms(s.percentile(m, 99)), p999: ms(s.percentile(m, 99.9)), max: ms(s.max(m)), mean: ms(s.mean(m)))
        }
        self.latency = latency
        conformance = SummaryTable.sortedFindings(s).map {
            Finding(rule: $0.0, severity: $0.1.severity, count: $0.1.count, firstExample: $0.1.firstExample)
        }
        unparsed = Unparsed(count: s.unparsed, examples: s.unparsedExamples)
        thresholds = o.thresholds.map {
            ThresholdEntry(
                condition: $0.threshold.text, measured: $0.measured.map(r3), limit: r3($0.limit), unit: $0.unit,
                crossed: $0.crossed)
        }
        verdict = o.verdict
        exitCode = o.exitCode
        self.timeline = timeline
        rfc6076 = o.hasInvites
            ? RFC6076(
                srdMs: s.mean(.srd).map(ReportText.milliseconds), sddMs: s.mean(.bye).map(ReportText.milliseconds),
                ser: s.sessionEstablishmentRatio.map(r3), seer: s.sessionEstablishmentEffectivenessRatio.map(r3),
                inviteFinals: Dictionary(uniqueKeysWithValues: s.inviteFinals.map { (String($0.key), $0.value) }))
            : nil
        memoryPerDialogBytes = o.memoryPerDialogBytes
    }

    /// Pretty-printed JSON with sorted keys and ISO 8601 dates.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Reads a report written by `json()`.
    public static func decode(_ data: Data) throws -> RunReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RunReport.self, from: data)
    }

    /// Writes the report to `path`, replacing the file.
    /// - Throws: `ReportFileError` naming the file and the reason.
    public func write(toPath path: String) throws(ReportFileError) {
        let data: Data
        do { data = try json() } catch {
            throw ReportFileError(path: path, action: "encode the report for", reason: "\(error)")
        }
        let file = try ReportFile(creating: path)
        try file.write(String(decoding: data, as: UTF8.self) + "\n")
        file.close()
    }
}
