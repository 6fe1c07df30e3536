import Foundation
import SIPConformance

/// The terminal form of an analysis: the summary, and a ladder per call (parties by address, arrows, times).
public enum AnalysisText {
    /// The summary, a few lines.
    public static func summary(_ s: AnalysisSummary, files: [String]) -> String {
        var out = "\(files.joined(separator: ", ")): \(n(s.packets)) packets, \(n(s.sipMessages)) SIP messages "
            + "(\(n(s.requests)) requests, \(n(s.responses)) responses)"
        let other = [(s.notSIP, "not SIP"), (s.keepAlives, "keep-alives"), (s.malformedSIP, "malformed SIP")]
            .filter { $0.0 > 0 }.map { "\(n($0.0)) \($0.1)" }
        out += other.isEmpty ? "\n" : "; \(other.joined(separator: ", "))\n"
        let kinds = s.calls.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        out += "Calls: \(n(s.calls.values.reduce(0, +)))"
            + (kinds.isEmpty ? "" : " (" + kinds.map { "\($0.key.uppercased()) \(n($0.value))" }.joined(separator: ", ") + ")") + "\n"
        let i = s.invite
        if i.calls > 0 {
            out += "INVITE: \(n(i.answered)) answered of \(n(i.calls)) (\(percent(i.answerRatio)) of those with a final response)"
            out += i.unanswered > 0 ? ", \(n(i.unanswered)) without a final response\n" : "\n"
            out += "  final codes: \(codes(i.finalCodes))\n"
            let d = i.sessionRequestDelayMs
            if d.count > 0 {
                out += "  session request delay (RFC 6076), ms: p50 \(ms(d.p50))  p90 \(ms(d.p90))  p99 \(ms(d.p99))  max \(ms(d.max))\n"
            }
        }
        for (name, t) in [("REGISTER", s.register), ("OPTIONS", s.options)] where t.transactions > 0 {
            out += "\(name): \(n(t.transactions)) transactions; final codes: \(codes(t.finalCodes))"
            out += t.unanswered > 0 ? "; \(n(t.unanswered)) unanswered\n" : "\n"
        }
        if !s.responseCodes.isEmpty { out += "Responses: \(codes(s.responseCodes))\n" }
        let r = s.retransmissions
        out += "Retransmissions: \(n(r.requests)) requests, \(n(r.responses)) responses"
        if r.intervalsNotDoubling > 0 {
            out += "; \(n(r.intervalsNotDoubling)) of \(n(r.transactionsRetransmitted)) retransmitted transactions did not double their intervals (T1, 2·T1, …)"
        }
        out += "\n"
        let total = s.findings.values.reduce(0, +)
        if total == 0 {
            out += "Findings: none\n"
        } else {
            let severities = ["error", "warning", "info"].compactMap { k in s.findingsBySeverity[k].map { "\(n($0)) \(k)" } }
            out += "Findings: \(n(total)) (\(severities.joined(separator: ", ")))\n"
            for (rule, count) in s.findings.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                let known = RuleCatalogue.rule(id: rule)
                out += "  \(rule)  \(known?.severity.rawValue ?? "?")  ×\(n(count))  \(known?.summary ?? "")\n"
            }
        }
        let skipped = s.skipped.values.reduce(0, +)
        if skipped > 0 {
            let reasons = s.skipped.sorted { $0.key < $1.key }.map { "\($0.key) \(n($0.value))" }
            out += "Skipped: \(n(skipped)) (\(reasons.joined(separator: ", ")))"
            if let first = s.firstSkipped.first { out += "; first: packet \(first.packet): \(first.detail)" }
            out += "\n"
        }
        return out
    }

    /// One call as a ladder: a column per party, an arrow per message, its time from the call's first message.
    public static func ladder(_ call: CallRecord, colour: Bool = false) -> String {
        let outcome = call.finalCode.map { " \(call.kind == "invite" ? (call.answered ? "answered" : "failed") : "answered") \($0)" } ?? ""
        var out = "Call-ID \(call.callID) — \(call.kind.uppercased())\(outcome), \(call.messages) messages, \(call.ending)\n"
        guard let messages = call.ladder, !call.parties.isEmpty else { return out }
        let width = max(24, (messages.map(\.label.count).max() ?? 0) + 8, (call.parties.map(\.count).max() ?? 0) + 4)
        let columns = call.parties.indices.map { 10 + $0 * width }
        var header = String(repeating: " ", count: columns.last! + call.parties.last!.count)
        for (p, party) in call.parties.enumerated() {
            header = overlay(header, party, at: max(0, columns[p] - party.count / 2))
        }
        out += header.trimmingTrailing() + "\n"
        for m in messages {
            guard let a = call.parties.firstIndex(of: m.source), let b = call.parties.firstIndex(of: m.destination) else { continue }
            var line = String(repeating: " ", count: columns.last! + 1)
            for c in columns { line = overlay(line, "|", at: c) }
            line = overlay(line, String(format: "%8.3f", m.timeMs / 1000), at: 0)
            let (l, r) = (min(columns[a], columns[b]), max(columns[a], columns[b]))
            var label = m.label + (m.retransmission ? " (again)" : "")
            if label.count > r - l - 4 { label = String(label.prefix(max(1, r - l - 5))) + "…" }
            let dashes = max(0, r - l - 1 - label.count - 2)
            var arrow = String(repeating: "-", count: dashes / 2) + " " + label + " " + String(repeating: "-", count: dashes - dashes / 2)
            if a < b { arrow = String(arrow.dropLast()) + ">" } else { arrow = "<" + String(arrow.dropFirst()) }
            line = overlay(line, arrow, at: l + 1)
            var text = line.trimmingTrailing()
            if !m.findings.isEmpty { text += "  ! " + m.findings.joined(separator: ", ") }
            if colour { text = paint(text, m) }
            out += text + "\n"
        }
        for f in call.findings {
            out += "  packet \(f.packet): \(f.severity) \(f.rule): \(f.message)\n"
        }
        return out
    }

    static func paint(_ text: String, _ m: MessageRecord) -> String {
        let code = m.findings.isEmpty ? (m.label.first?.isNumber == true ? (m.label.hasPrefix("2") ? "32" : m.label.hasPrefix("1") ? "36" : "33") : "1") : "31"
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    static func overlay(_ line: String, _ text: String, at column: Int) -> String {
        var chars = Array(line)
        if chars.count < column + text.count { chars += Array(repeating: " ", count: column + text.count - chars.count) }
        for (i, c) in text.enumerated() { chars[column + i] = c }
        return String(chars)
    }

    static func n(_ v: Int) -> String {
        let digits = String(v)
        guard v >= 10_000 else { return digits }
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func codes(_ c: [String: Int]) -> String {
        c.isEmpty ? "none" : c.sorted { $0.key < $1.key }.map { "\($0.key) ×\(n($0.value))" }.joined(separator: "  ")
    }

    static func ms(_ v: Double) -> String { String(format: "%.1f", v) }

    static func percent(_ ratio: Double) -> String { String(format: "%.1f%%", ratio * 100) }
}

extension String {
    func trimmingTrailing() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
