import SIPCore
import SIPFlow
import SIPTransaction

/// Matching what a call receives against the expectations of its program (skipping optional steps).
extension Call {
    /// Matches a delivered message against the expectations at `pc` (skipping optional ones). A response comes with
    /// the step of the client transaction it answers (`answering`), which the caller has already matched by branch,
    /// and `checked` when the caller has already checked it (with the request it answers).
    func deliver(_ message: SIPMessage, answering: Int? = nil, checked: Bool = false, at now: SIPInstant) {
        if !checked { shard.checkConformance(message, call: self) }
        if finished { return }
        var i = pc
        // `held.value` each time, not bound to a name: a binding copies the expectation (a reference counted for
        // each of its arrays and strings).
        while i < instructions.count, case .expect(let held) = instructions[i] {
            if matches(held, message, answering: answering) {
                if let failure = evaluate(held, message) {
                    finish(at: now, failure: failure, detail: "an assertion of \(held.value.summary) did not hold")
                    return
                }
                pc = i + 1
                advance(at: now)
                return
            }
            guard held.value.mayBeSkipped else { break }
            i += 1
        }
        fail(unexpected: message, at: now)
    }

    /// Takes the expectation as its step holds it, as `evaluate` does.
    func matches(_ held: Boxed<Expectation>, _ message: SIPMessage, answering: Int? = nil) -> Bool {
        switch held.value.match {
        case .request(let method):
            return message.method == method
        case .response:
            guard let code = message.statusCode, held.value.accepts(status: code) else { return false }
            // The response must answer the request of the step's transaction.
            if let answering { return answering == held.value.context.transaction.step }
            guard let branch = message.topViaBranch else { return false }
            return clients.contains { $0.step == held.value.context.transaction.step && $0.branch == branch }
        }
    }

    func fail(unexpected message: SIPMessage, at now: SIPInstant) {
        if message.method == .ack { return }  // a late or repeated ACK: the INVITE transaction dealt with it
        var waiting = "the end of the flow"
        if pc < instructions.count, case .expect(let held) = instructions[pc] { waiting = held.value.summary }
        if let code = message.statusCode {
            if code < 200 { return }  // provisional responses the flow does not name are ignored
            var reason = FailureReason.unexpectedStatus
            if code == 401 || code == 407 { reason = .authenticationRequired }
            let what = "\(code) \(message.reasonPhrase?.string ?? "") to \(message.cseq?.method.rawValue ?? "?")"
            finish(at: now, failure: reason, detail: "received \(what) while waiting for \(waiting)")
        } else {
            finish(at: now, failure: .unexpectedMessage,
                   detail: "received \(message.method?.rawValue ?? "?") while waiting for \(waiting)")
        }
    }
}

extension Expectation {
    /// Whether a later step's message may arrive first: optional steps, and the ACK for a 2xx, which can be lost
    /// while the peer goes on (its BYE proves the dialog; our 2xx retransmissions get the ACK re-sent,
    /// RFC 3261 §13.3.1.4).
    var mayBeSkipped: Bool {
        if optional { return true }
        if case .ack(_, for2xx: true) = context.role { return true }
        return false
    }
}

extension Expectation {
    /// What the step waits for, for failure messages: `180 or 183 (step 3, line 9)`.
    var summary: String {
        let what: String
        switch match {
        case .request(let m): what = m.rawValue
        case .response(let patterns): what = patterns.map(\.description).joined(separator: " or ")
        }
        return "\(what) (step \(step + 1), line \(location.line))"
    }
}

extension TransactionTimer {
    /// `timer B`, as RFC 3261 names it.
    var spelled: String { "timer " + String(String(describing: self).dropFirst(5)) }
}
