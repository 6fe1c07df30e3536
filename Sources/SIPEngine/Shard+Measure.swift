import SIPConformance
import SIPCore
import SIPTransaction
import SIPTransport

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

    /// A response against the earlier ones of its transaction, copies included (`TransactionResponseRules`).
    func checkAcross(_ response: SIPMessage, in entry: ClientEntry, call: Call) {
        guard conformance != .off, let finding = entry.responses.check(response, method: entry.method) else { return }
        record([finding], call: call)
    }

    /// A non-2xx final to an INVITE whose 2xx the call acknowledged: a second final (`TransactionResponseRules`).
    func reportFinalAfterAcknowledged(_ response: SIPMessage, call: Call) {
        guard conformance != .off else { return }
        record([TransactionResponseRules.finalAfterAcknowledged(response)], call: call)
    }

    /// A received message on its own.
    func checkConformance(_ message: SIPMessage, call: Call) {
        guard conformance != .off else { return }
        record(MessageChecker().check(message, memo: &checkMemo), call: call)
    }

    /// A response in `call` that matched none of its client transactions (RFC 3261 §17.1.3), reported with the
    /// transaction it came closest to. Off the per-message path: only strays come here.
    func reportUnmatched(_ response: SIPMessage, call: Call) {
        guard conformance != .off else { return }
        let candidates = call.clients.map {
            MatchingRules.Candidate(method: $0.method, sequence: $0.sequence, branch: $0.branch)
        }
        record([MatchingRules.unmatched(response, candidates: candidates, sentBy: "\(uriHost):\(localPort)")], call: call)
    }

    /// A datagram that did not parse: counted, kept as an example, and reported under the parse rule it breaks
    /// (`RuleCatalogue.rule(for:)`) with its source. It belongs to no call.
    func unparsable(_ inbound: InboundMessage, _ error: any Error) {
        messagesOutOfCalls &+= 1
        let source = inbound.source.hostPort
        let text = (error as? SIPParseError).map { "\($0)" } ?? "\(error)"
        stats.recordUnparsed(.init(source: source, error: text, bytes: inbound.bytes))
        guard conformance != .off, let parseError = error as? SIPParseError else { return }
        let rule = RuleCatalogue.rule(for: parseError.kind)
        noteRule(rule.id)
        if var c = stats.conformance[rule.id] {
            c.count += 1
            stats.conformance[rule.id] = c
        } else {
            stats.conformance[rule.id] = .init(count: 1, severity: rule.severity.rawValue,
                                               firstExample: "a datagram from \(source) does not parse: \(text)")
        }
    }

    private func record(_ findings: [Finding], call: Call) {
        guard !findings.isEmpty else { return }
        var failed: Finding?
        for f in findings {
            noteRule(f.rule.id)
            if var c = stats.conformance[f.rule.id] {
                c.count += 1
                stats.conformance[f.rule.id] = c
            } else {
                stats.conformance[f.rule.id] = .init(count: 1, severity: f.severity.rawValue, firstExample: f.message)
            }
            if f.severity == .error, failed == nil { failed = f }
        }
        if let f = failed, conformance == .error {
            call.finish(at: host.now(), failure: .conformanceError, detail: "\(f.rule.id): \(f.message)")
        }
    }
}
