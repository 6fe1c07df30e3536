import Foundation
import SIPConformance
import SIPCore

/// The result of a single check of one or more targets, in the three output formats of `sipflow ping`.
public struct CheckReport: Sendable {
    public let results: [ProbeResult]
    public let policy: ProbePolicy

    public init(results: [ProbeResult], policy: ProbePolicy) {
        self.results = results
        self.policy = policy
    }

    /// The worst verdict over all targets: the plugin's exit code.
    public var status: MonitorStatus { results.map(\.status).reduce(.ok, MonitorStatus.worst) }

    // MARK: Nagios

    /// Nagios / Icinga plugin output: one status line `SIP <STATUS> - <text> | <perfdata>`, then one line per
    /// problem and finding (long output). Perfdata is `rtt=<s>s;<warn>;<crit>;0` for one target and
    /// `'rtt <uri>'=…` for several; `U` when there was no answer.
    public func nagios() -> String {
        var summary: String
        if results.count == 1, let r = results.first {
            summary = "SIP \(r.status) - \(r.target.uri): \(headline(r))"
        } else {
            let alive = results.filter(\.isAlive).count
            let bad = results.filter { $0.status != .ok }.map { "\($0.target.uri): \(headline($0))" }
            summary = "SIP \(status) - \(alive)/\(results.count) targets answered"
            if !bad.isEmpty { summary += "; " + bad.joined(separator: "; ") }
        }
        let perf = results.map { r in
            let label = results.count == 1 ? "rtt" : "'rtt \(r.target.uri)'"
            let value = r.rtt.map { Self.seconds($0) + "s" } ?? "U"
            return "\(label)=\(value);\(policy.warn.map(Self.seconds) ?? "");\(policy.critical.map(Self.seconds) ?? "");0"
        }
        var out = summary.replacingOccurrences(of: "|", with: "/") + " | " + perf.joined(separator: " ") + "\n"
        for r in results {
            let prefix = results.count == 1 ? "" : "\(r.target.uri): "
            for p in r.problems { out += prefix + p.replacingOccurrences(of: "|", with: "/") + "\n" }
            for f in r.findings { out += prefix + Self.findingLine(f).replacingOccurrences(of: "|", with: "/") + "\n" }
        }
        return out
    }

    /// Seconds with six decimals, as Nagios perfdata wants (`0.001234`).
    static func seconds(_ d: Duration) -> String { String(format: "%.6f", d.seconds) }

    /// What one target did, in a few words: `200 OK in 1.2 ms`, `timeout after 5.00 s`.
    func headline(_ r: ProbeResult) -> String {
        switch r.outcome {
        case .answered(let code, let reason):
            var s = "\(code) \(reason)"
            if let rtt = r.rtt { s += " in \(format(rtt))" }
            if r.status != .ok, let first = r.problems.first, !first.hasPrefix("\(code) "), !first.hasPrefix("answered in ") {
                s += " (\(first))"
            }
            return s
        case .timeout: return "no answer within \(format(policy.timeout))"
        case .portUnreachable: return "port unreachable (ICMP)"
        case .unresolvable, .transportError: return r.problems.first ?? r.outcome.kind
        }
    }

    static func findingLine(_ f: Finding) -> String {
        var s = "\(f.severity.rawValue) \(f.rule.id) (\(f.rule.reference))"
        if let h = f.header { s += " \(h)" }
        return s + ": \(f.message)"
    }

    // MARK: Text

    /// For people: one line per target, then its problems and findings indented.
    public func text() -> String {
        var out = ""
        let width = results.map(\.target.uri.count).max() ?? 0
        for r in results {
            out += "\(r.target.uri.padding(width))  \(r.status.description.padding(8))  \(headline(r))"
            var details: [String] = []
            if let a = r.observation.address { details.append("\(r.target.transport.rawValue) \(a)") }
            if r.observation.retransmissions > 0 { details.append("\(r.observation.retransmissions) retransmitted") }
            if !r.observation.provisional.isEmpty { details.append("provisional " + r.observation.provisional.map(String.init).joined(separator: ",")) }
            if !details.isEmpty { out += "  [" + details.joined(separator: ", ") + "]" }
            out += "\n"
            for p in r.problems { out += "  \(p)\n" }
            for f in r.findings { out += "  " + Self.findingLine(f) + "\n" }
        }
        return out
    }

    // MARK: JSON

    /// One object, schema version 1: `status`, `exitCode`, `targets` (each with `target`, `address`, `method`,
    /// `status`, `outcome`, `statusCode`, `reason`, `rttSeconds`, `retransmissions`, `provisional`, `problems`,
    /// `findings`).
    public func json() -> String {
        let doc = JSONCheck(schemaVersion: 1, status: status.description, exitCode: status.rawValue,
                            targets: results.map(JSONProbe.init))
        return JSONOutput.encode(doc)
    }
}

struct JSONCheck: Encodable {
    let schemaVersion: Int
    let status: String
    let exitCode: Int32
    let targets: [JSONProbe]
}

struct JSONProbe: Encodable {
    let target: String
    let address: String?
    let method: String?
    let status: String
    let outcome: String
    let statusCode: Int?
    let reason: String?
    let rttSeconds: Double?
    let retransmissions: Int
    let provisional: [Int]
    let problems: [String]
    let findings: [JSONFinding]

    init(_ r: ProbeResult) {
        target = r.target.uri
        address = r.observation.address
        method = r.observation.request?.method?.rawValue
        status = r.status.description
        outcome = r.outcome.kind
        statusCode = r.outcome.statusCode
        if case .answered(_, let reason) = r.outcome { self.reason = reason } else { reason = nil }
        rttSeconds = r.rtt?.seconds
        retransmissions = r.observation.retransmissions
        provisional = r.observation.provisional
        problems = r.problems
        findings = r.findings.map(JSONFinding.init)
    }
}

struct JSONFinding: Encodable {
    let rule: String
    let severity: String
    let reference: String
    let header: String?
    let message: String

    init(_ f: Finding) {
        rule = f.rule.id
        severity = f.severity.rawValue
        reference = f.rule.reference
        header = f.header
        message = f.message
    }
}

enum JSONOutput {
    static func encode<T: Encodable>(_ value: T, pretty: Bool = true) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
