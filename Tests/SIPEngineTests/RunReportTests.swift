import Foundation
import Testing
@testable import SIPEngine

/// The JSON report against `docs/report.md`: the documented key paths and types are the encoded ones.
@Suite struct RunReportTests {
    static var sample: RunReport {
        get throws {
            let rows = [1, 2].map { TimelineRow(ReportFixtures.snapshot(elapsed: .seconds($0))) }
            return RunReport(outcome: try ReportFixtures.outcome(), timeline: rows, toolVersion: "0.1.0")
        }
    }

    /// A server run with no INVITEs, no schedule and nothing optional known.
    static var minimal: RunReport {
        let params = RunParameters(
            flow: "options-ping", role: .server, target: "0.0.0.0:5060", schedule: nil,
            startedAt: ReportFixtures.startedAt)
        return RunReport(
            outcome: RunOutcome(parameters: params, elapsed: .seconds(3), total: CallStatistics(), conditions: []),
            timeline: [], toolVersion: "0.1.0")
    }

    @Test func everyEncodedKeyIsDocumentedAndEveryDocumentedKeyIsEncoded() throws {
        let doc = try Self.documentedKeys()
        let encoded = try Self.keyPaths(Self.object(try Self.sample), documented: doc)
        let undocumented = Set(encoded.keys).subtracting(doc.keys).sorted()
        let missing = Set(doc.keys).subtracting(encoded.keys).sorted()
        #expect(undocumented.isEmpty, "in the JSON but not in docs/report.md: \(undocumented)")
        #expect(missing.isEmpty, "in docs/report.md but not in the JSON: \(missing)")
        for (path, kind) in encoded {
            guard let type = doc[path] else { continue }
            #expect(Self.matches(kind, type), "\(path) is \(kind), documented as \(type)")
        }
    }

    @Test func aMinimalReportKeepsEveryKeyWithNulls() throws {
        let doc = try Self.documentedKeys()
        let json = try Self.object(Self.minimal)
        let encoded = try Self.keyPaths(json, documented: doc)
        #expect(Set(encoded.keys).subtracting(doc.keys).isEmpty)
        for (path, kind) in encoded { #expect(Self.matches(kind, doc[path] ?? ""), "\(path) is \(kind)") }
        let run = try #require(json["run"] as? [String: Any])
        for key in ["rate", "callsLimit", "scheduledDurationSeconds"] { #expect(run[key] is NSNull, "run.\(key)") }
        #expect(json["rfc6076"] is NSNull)
        #expect(json["memoryPerDialogBytes"] is NSNull)
    }

    @Test func theCheckNoticesAnUndocumentedKey() throws {
        var json = try Self.object(try Self.sample)
        var totals = try #require(json["totals"] as? [String: Any])
        totals["answered"] = 3
        json["totals"] = totals
        let paths = try Self.keyPaths(json, documented: try Self.documentedKeys())
        #expect(paths["totals.answered"] == "scalar")
    }

    @Test func valuesAreInTheDocumentedUnits() throws {
        let r = try Self.sample
        #expect(r.schemaVersion == 1)
        #expect(r.tool == .init(name: "sipflow", version: "0.1.0"))
        #expect(r.run.role == .client)
        #expect(r.run.durationSeconds == 12)
        #expect(r.run.scheduledDurationSeconds == 10)
        #expect(r.run.rate == .init(target: 100, from: 100, to: 100, rampSeconds: 0))
        #expect(r.run.callsLimit == 1000)
        #expect(r.totals == .init(
            started: 1000, completed: 990, failed: 10, failedPercent: 1, retransmissions: 12, messagesSent: 4000,
            messagesReceived: 3990, achievedRate: 100, rateWindowSeconds: 10))
        #expect(r.failures == ["timeout": 7, "unexpected-status": 3])
        #expect(r.latency["setup"] == .init(count: 1000, p50: 1.2, p90: 1.5, p99: 1.9, p999: 2, max: 2, mean: 1.391))
        #expect(Set(r.latency.keys) == ["setup", "bye", "srd"])
        #expect(r.rfc6076 == .init(srdMs: 0.5, sddMs: 0.8, ser: 99, seer: 99.5, inviteFinals: ["200": 990, "486": 5, "408": 5]))
        #expect(r.conformance.map(\.rule) == ["rfc3261.8.1.1.required-header", "rfc3261.20.to-tag"])
        #expect(r.conformance[0].firstExample.hasPrefix("SIP/2.0 200 OK\r\nVia:"))
        #expect(r.unparsed.count == 1)
        #expect(r.unparsed.examples.first?.source == "10.0.0.9:5060")
        #expect(r.memoryPerDialogBytes == 2150)
        #expect(r.thresholds == [
            .init(condition: "failed > 0.5%", measured: 1, limit: 0.5, unit: .percent, crossed: true),
            .init(condition: "p99(setup) > 200ms", measured: 1.9, limit: 200, unit: .milliseconds, crossed: false),
        ])
        #expect(r.verdict == .failed)
        #expect(r.exitCode == 1)
        #expect(r.timeline.map(\.elapsedSeconds) == [1, 2])
        #expect(r.timeline[0].latency == ["setup": .init(p50: 1, p99: 1.1)])
        let json = try Self.object(r)
        #expect((json["run"] as? [String: Any])?["startedAt"] as? String == "2026-11-18T11:06:40Z")
        #expect(json["verdict"] as? String == "failed")
    }

    @Test func aReportReadsBackAsWritten() throws {
        let r = try Self.sample
        #expect(try RunReport.decode(try r.json()) == r)
        #expect(try RunReport.decode(try Self.minimal.json()) == Self.minimal)
    }

    @Test func theReportIsWrittenToAFileOrSaysWhyNot() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sipflow-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try Self.sample
        try r.write(toPath: path)
        #expect(try RunReport.decode(try Data(contentsOf: URL(fileURLWithPath: path))) == r)
        #expect(throws: ReportFileError(path: "/nonexistent-sipflow/run.json", action: "open", reason: "No such file or directory")) {
            try r.write(toPath: "/nonexistent-sipflow/run.json")
        }
    }

    // MARK: - Key paths

    static func object(_ report: RunReport) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: try report.json()) as? [String: Any])
    }

    /// Key path → type from the table in docs/report.md (`| `path` | type | unit | meaning |`).
    static func documentedKeys() throws -> [String: String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/report.md"), encoding: .utf8)
        var keys: [String: String] = [:]
        for line in doc.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.replacingOccurrences(of: "\\|", with: "/").split(separator: "|")
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            keys[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        return keys
    }

    /// Every key path in `json` with the kind of its value (`object`, `array`, `string`, `null` or `scalar`).
    /// A key is replaced by a documented placeholder (`<metric>`) when the documentation has one at that place.
    static func keyPaths(_ json: [String: Any], documented: [String: String]) throws -> [String: String] {
        var out: [String: String] = [:]
        func walk(_ value: Any, _ path: String) {
            if !path.isEmpty, !path.hasSuffix("[]") { out[path] = kind(value) }
            if let dict = value as? [String: Any] {
                let prefix = path.isEmpty ? "" : path + "."
                let placeholder = documented.keys.first {
                    $0.hasPrefix(prefix + "<") && !$0.dropFirst(prefix.count).contains(".")
                }
                for (k, v) in dict { walk(v, placeholder ?? prefix + k) }
            } else if let array = value as? [Any] {
                for v in array { walk(v, path + "[]") }
            }
        }
        walk(json, "")
        return out
    }

    static func kind(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if value is [String: Any] { return "object" }
        if value is [Any] { return "array" }
        if value is String { return "string" }
        return "scalar"
    }

    /// Whether a value's kind fits a documented type such as `number / null`.
    static func matches(_ kind: String, _ type: String) -> Bool {
        let allowed = type.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
        if kind == "scalar" { return allowed.contains { ["number", "integer", "boolean"].contains($0) } }
        return allowed.contains(kind)
    }
}
