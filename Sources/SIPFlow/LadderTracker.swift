import SIPCore

/// Works out, step by step, which transaction and dialog each message of a ladder belongs to.
///
/// A response answers the most recent request from the other party that has no final response yet; an ACK
/// acknowledges the sender's latest INVITE; a CANCEL cancels the sender's latest INVITE still pending.
struct LadderTracker {
    /// A problem with the ladder, located by the caller.
    struct Issue: Error {
        var message: String
        var hint: String?
    }

    private struct Request {
        var step: Int
        var from: String
        var to: String
        var method: SIPMethod
        var dialog: StepContext.DialogUsage
        var finalStatus: Int?
    }

    private var requests: [Request] = []
    /// The dialog requests now belong to, and whether a 2xx has confirmed it.
    private var dialog: (id: DialogID, confirmed: Bool)?

    mutating func request(_ method: SIPMethod, step: Int, from: String, to: String) throws(Issue) -> StepContext {
        switch method {
        case .ack:
            guard let invite = requests.last(where: { $0.method == .invite && $0.from == from && $0.to == to }) else {
                throw Issue(message: "ACK without an INVITE before it", hint: "ACK acknowledges a final response to an INVITE that '\(from)' sent to '\(to)'")
            }
            let for2xx = invite.finalStatus.map { (200..<300).contains($0) } ?? false
            let usage: StepContext.DialogUsage = for2xx ? dialogUsage(of: invite) : .none
            return StepContext(role: .ack(invite: TransactionID(step: invite.step), for2xx: for2xx), dialog: usage)
        case .cancel:
            guard let invite = requests.last(where: { $0.method == .invite && $0.from == from && $0.to == to && $0.finalStatus == nil }) else {
                throw Issue(message: "CANCEL without a pending INVITE to cancel", hint: "CANCEL must follow an INVITE from '\(from)' to '\(to)' before its final response")
            }
            requests.append(Request(step: step, from: from, to: to, method: method, dialog: .none))
            return StepContext(role: .cancel(TransactionID(step: step), invite: TransactionID(step: invite.step)), dialog: .none)
        default:
            let usage: StepContext.DialogUsage
            if method == .register {
                usage = .none
            } else if let dialog {
                usage = .within(dialog.id)
            } else if method.createsDialog {
                let id = DialogID(step: step)
                dialog = (id, false)
                usage = .creates(id)
            } else {
                usage = .none
            }
            requests.append(Request(step: step, from: from, to: to, method: method, dialog: usage))
            return StepContext(role: .request(TransactionID(step: step)), dialog: usage)
        }
    }

    mutating func response(_ status: Int, from: String, to: String) throws(Issue) -> StepContext {
        guard let index = requests.lastIndex(where: { $0.from == to && $0.to == from && $0.finalStatus == nil }) else {
            throw Issue(
                message: "response \(status) has no request to answer",
                hint: "a response answers the latest request from '\(to)' to '\(from)' that has no final response yet")
        }
        let request = requests[index]
        if status >= 200 { requests[index].finalStatus = status }
        if let current = dialog, dialogUsage(of: request) != .none {
            if case .creates = request.dialog, status >= 200 {
                if status < 300 { dialog = (current.id, true) } else if !current.confirmed { dialog = nil }
            }
            if request.method == .bye, status >= 200 { dialog = nil }
        }
        return StepContext(role: .response(to: TransactionID(step: request.step), method: request.method), dialog: request.dialog)
    }

    private func dialogUsage(of request: Request) -> StepContext.DialogUsage {
        switch request.dialog {
        case .none: .none
        case .creates(let id), .within(let id): .within(id)
        }
    }
}
