import SIPConformance
import SIPCore
import SIPTransaction

/// Latency measurements and conformance checks on what a call receives.
extension Shard {
    /// Records the latencies a response completes (RFC 6076 §4: SRD, SDD; setup and post-dial delay).
    func measure(response code: Int, to entry: ClientEntry, call: Call, at now: SIPInstant) {
        let elapsed = now - entry.sentAt
        switch entry.method {
        case .invite:
            if code > 100, !call.marks.sawNon100 {
                call.marks.sawNon100 = true
                stats.record(.srd, elapsed)
            }
            if (101..<200).contains(code), !call.marks.sawProvisional {
                call.marks.sawProvisional = true
                stats.record(.pdd, elapsed)
            }
            if code >= 200, entry.awaitingFinal {
                stats.inviteFinals[code, default: 0] += 1
                if code < 300 { stats.record(.setup, elapsed) }
            }
        case .bye where code >= 200 && entry.awaitingFinal:
            stats.record(.bye, elapsed)
        case .register where code >= 200 && entry.awaitingFinal:
            stats.record(.register, elapsed)
        case .options where code >= 200 && entry.awaitingFinal:
            stats.record(.options, elapsed)
        default:
            break
        }
    }

    /// A response on its own and against the request it answers (RFC 3261 §8.2.6, §12.1.1), in one pass
    /// (`ResponseChecker`).
    func check(_ response: SIPMessage, answering request: SIPMessage, call: Call) {
        guard conformance != .off else { return }
        record(ResponseChecker().check(response, answering: request, memo: &checkMemo), call: call)
    }

    /// A received message on its own.
    func checkConformance(_ message: SIPMessage, call: Call) {
        guard conformance != .off else { return }
        record(MessageChecker().check(message, memo: &checkMemo), call: call)
    }

    private func record(_ findings: [Finding], call: Call) {
        guard !findings.isEmpty else { return }
        var failed: Finding?
        for f in findings {
            if var c = stats.conformance[f.rule.id] {
                c.count += 1
                stats.conformance[f.rule.id] = c
            } else {
                stats.conformance[f.rule.id] = .init(count: 1, severity: f.severity.rawValue, firstExample: f.message)
            }
            if f.severity == .error, failed == nil { failed = f }
        }
        if let f = failed, conformance == .error {
            call.finish(at: Shard.now(), failure: .conformanceError, detail: "\(f.rule.id): \(f.message)")
        }
    }
}
