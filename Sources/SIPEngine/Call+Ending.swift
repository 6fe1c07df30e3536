import NIOCore
import SIPCore
import SIPTransaction
import SIPTransport

/// What a call owes the peer once it has failed, and for every 2xx that comes: the ACK for each 2xx
/// (RFC 3261 §13.2.2.4), a BYE for each dialog it established (§15), a CANCEL for an INVITE still without a final
/// response (§9.1), and a final response to each request it has not answered (§8.2). A load tester that leaves
/// these out leaks dialogs on the system under test.
///
/// A failure (`finish` with a reason) marks the ending due; it is carried out at the end of the event that failed the
/// call (`releaseIfQuiet`), never while a transaction's actions are being run. Nothing beyond these is sent: one
/// ACK a 2xx (sent again for each copy of that 2xx), one BYE a dialog, one CANCEL, one response a request.
extension Call {
    /// What is still to do to end a failed call (see the extension's comment).
    struct Ending: OptionSet {
        let rawValue: UInt8
        /// The call failed in this event: settle what it owes the peer at the event's end.
        static let due = Ending(rawValue: 1)
        /// A BYE was sent or received: the dialog is over, or being ended.
        static let dialogEnded = Ending(rawValue: 2)
        /// The INVITE has no provisional response yet: CANCEL it when one comes (§9.1 forbids it before).
        static let cancelOnProvisional = Ending(rawValue: 4)
        /// Our 2xx has not been acknowledged yet: send BYE when the ACK comes or timer L ends the wait (§15: the
        /// callee must not send BYE before either).
        static let byeOnACK = Ending(rawValue: 8)
    }

    /// Step numbers of the requests the engine sends of its own accord (no flow step has a negative number).
    enum EngineStep {
        static let bye = -1
        static let cancel = -2
        /// The BYE for the `k`-th forked dialog (see `acknowledgeFork`).
        static func forkBye(_ k: Int) -> Int { -3 - k }
    }

    /// The most forked dialogs one call acknowledges and ends; a peer that forks more is misbehaving, and further
    /// 2xx with new tags are not answered.
    static let maxForks = 8

    /// The dialogs of 2xx with To tags other than the call's dialog's, and the ACK sent for each (sent again for
    /// each copy of that 2xx). Boxed: almost no call has one.
    final class Forks {
        var acks: [(tag: ByteString, bytes: [UInt8], destination: Destination)] = []
    }

    /// Ends what the failed call set up with the peer (see the extension's comment).
    func settleAfterFailure(at now: SIPInstant) {
        ending.remove(.due)
        acknowledgeUnacknowledged2xx()
        answerPendingRequests(at: now)
        if let state = dialog?.state, state == .confirmed, !ending.contains(.dialogEnded) {
            if servers.contains(where: \.awaitsACKFor2xx) {
                ending.insert(.byeOnACK)
            } else {
                ending.remove(.byeOnACK)
                sendBye(at: now)
            }
        }
        cancelPendingInvite(at: now)
    }

    /// A caller whose flow had not reached its ACK step when it failed: acknowledges the 2xx its dialog came from.
    private func acknowledgeUnacknowledged2xx() {
        guard acknowledged == nil, let i = clients.firstIndex(where: { $0.method == .invite && $0.isAcceptedInvite }),
              let sequence = clients[i].sequence, dialog?.role == .uac, dialog?.state == .confirmed else { return }
        var branch: UInt64 = 0
        guard let (bytes, destination) = (try? withDialog({ d -> ([UInt8], Destination) in
            var w = MessageWriter(capacity: 512)
            d.writeACK(inviteSequence: sequence, into: &w) { branch = shard.writeVia(into: &$0) }
            return (w.finish(body: []), try shard.destination(for: d))
        })) ?? nil else { return }
        acknowledged = Acknowledgement(inviteSequence: sequence, step: EngineStep.bye, branch: branch, bytes: bytes)
        shard.send(bytes, to: destination, call: number)
    }

    /// A callee answers each request it had not answered with 500 (RFC 3261 §21.5.1), so the peer's transaction
    /// ends now rather than at its timer B or F.
    private func answerPendingRequests(at now: SIPInstant) {
        for i in servers.indices {
            guard let request = servers[i].request,
                  let response = try? SIPMessage.response(to: request, statusCode: 500, reason: "Server Internal Error",
                                                          toTag: servers[i].requestHasToTag ? nil : localTag)
            else { continue }
            let actions = servers[i].respond(statusCode: 500, bytes: Array(response.rawBytes), at: now)
            run(actions, server: i, fromTimer: false, at: now)
        }
    }

    /// Sends BYE in the call's dialog (§15.1.1).
    private func sendBye(at now: SIPInstant) {
        guard let (bye, destination) = (try? withDialog({ d -> (SIPMessage, Destination) in
            var w = MessageWriter(capacity: 512)
            try d.writeRequest(.bye, into: &w, via: { shard.writeVia(into: &$0) })
            return (try w.message(body: []), try shard.destination(for: d))
        })) ?? nil else { return }
        ending.insert(.dialogEnded)
        startEngineRequest(bye, step: EngineStep.bye, destination: destination, at: now)
    }

    /// CANCELs the INVITE still without a final response: now if a provisional came, else when one comes (§9.1).
    private func cancelPendingInvite(at now: SIPInstant) {
        guard let i = clients.firstIndex(where: { $0.method == .invite && $0.awaitingFinal }),
              case .invite(let tx) = clients[i].transaction else { return }
        guard tx.state == .proceeding else {
            ending.insert(.cancelOnProvisional)
            return
        }
        ending.remove(.cancelOnProvisional)
        guard let cancel = try? tx.makeCancel() else { return }
        startEngineRequest(cancel, step: EngineStep.cancel, destination: clients[i].destination, at: now)
    }

    /// A response that came after the call failed, to a request of the call: a provisional to the INVITE lets the
    /// CANCEL go; a 2xx to it makes a dialog to acknowledge and end.
    func responseAfterFailure(_ code: Int, to entry: ClientEntry, at now: SIPInstant) {
        guard entry.method == .invite, entry.step >= 0 else { return }
        if code < 200, ending.contains(.cancelOnProvisional) {
            cancelPendingInvite(at: now)
        } else if (200..<300).contains(code) {
            ending.remove(.cancelOnProvisional)
            ending.insert(.due)
        }
    }

    /// The ACK for a callee's 2xx came, or its wait ended (timer L): the BYE held back for it may go.
    func acknowledgementWaitEnded() {
        guard finished, ending.contains(.byeOnACK), !servers.contains(where: \.awaitsACKFor2xx) else { return }
        ending.remove(.byeOnACK)
        ending.insert(.due)
    }

    /// A copy of a 2xx to the INVITE after the first: the same ACK again for the call's dialog (§13.2.2.4); a 2xx
    /// with another To tag is a forked dialog, acknowledged and ended (see `acknowledgeFork`).
    func acknowledgeAgain(_ response: SIPMessage, at now: SIPInstant) {
        guard let tag = response.to?.tag else { return }
        if let dialogTag = dialog?.id.remoteTag, dialogTag == tag {
            sendAcknowledgementAgain()
        } else if let fork = forks?.acks.first(where: { $0.tag == tag }) {
            shard.send(fork.bytes, to: fork.destination, call: number)
        } else {
            acknowledgeFork(response, at: now)
        }
    }

    /// A 2xx from another branch of a forking proxy (§13.2.2.4, §12.1.2): the flow plays one dialog, so the new one
    /// is acknowledged and ended at once with BYE.
    func acknowledgeFork(_ response: SIPMessage, at now: SIPInstant) {
        let forks = self.forks ?? Forks()
        guard forks.acks.count < Call.maxForks, let tag = response.to?.tag?.owned, let sequence = response.cseq?.sequenceNumber,
              var d = try? Dialog.uac(answeredBy: response), let destination = try? shard.destination(for: d) else { return }
        var ack = MessageWriter(capacity: 512)
        d.writeACK(inviteSequence: sequence, into: &ack) { shard.writeVia(into: &$0) }
        let bytes = ack.finish(body: [])
        forks.acks.append((tag, bytes, destination))
        self.forks = forks
        shard.send(bytes, to: destination, call: number)
        var w = MessageWriter(capacity: 512)
        guard (try? d.writeRequest(.bye, into: &w, via: { shard.writeVia(into: &$0) })) != nil,
              let bye = try? w.message(body: []) else { return }
        startEngineRequest(bye, step: EngineStep.forkBye(forks.acks.count - 1), destination: destination, at: now)
    }

    /// Starts a client transaction for a request the engine sends of its own accord (no flow step answers it).
    func startEngineRequest(_ request: SIPMessage, step: Int, destination: Destination, at now: SIPInstant) {
        guard let entry = try? ClientEntry(step: step, request: request, destination: destination, createsDialog: false,
                                           configuration: shard.transactions, at: now) else { return }
        let actions = entry.start(at: now)
        clients.append(entry)
        run(actions, client: clients.count - 1, fromTimer: false, at: now)
    }
}

extension ServerEntry {
    /// An INVITE transaction that sent a 2xx and waits for its ACK (RFC 6026 Accepted, not yet acknowledged).
    var awaitsACKFor2xx: Bool {
        if case .invite(let tx) = transaction { return tx.state == .accepted && !tx.acknowledged }
        return false
    }
}

extension Shard {
    /// A message the transport could not send (see `SendFailure`): the call it belongs to fails with the reason.
    /// Only failures come here, so reading the message again costs the hot path nothing.
    func sendFailed(_ failure: SendFailure) {
        guard !halted, let message = UnsentMessage(failure.bytes), let call = calls[message.callID] else { return }
        call.sendFailed(message, failure, at: host.now())
    }
}

/// What a failed send was, read from its bytes: an ICMP error quotes only the first few hundred bytes of the
/// datagram, so this reads the start line and the headers it needs line by line, not as a whole message.
struct UnsentMessage {
    var method: String?
    var statusCode: Int?
    var callID: ByteString
    var branch: ByteString?

    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).makeIterator()
        guard let start = lines.next() else { return nil }
        if start.hasPrefix("SIP/2.0 ") {
            statusCode = Int(start.dropFirst(8).prefix(3))
        } else {
            method = String(start.prefix { $0 != " " })
        }
        var callID: ByteString?
        while let line = lines.next(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if callID == nil, name == "call-id" || name == "i" {
                callID = ByteString(value)
            } else if branch == nil, name == "via" || name == "v",
                      let b = value.split(separator: ";").first(where: { $0.lowercased().hasPrefix("branch=") }) {
                branch = ByteString(String(b.dropFirst(7).prefix { $0 != "," && $0 != " " }))
            }
        }
        guard let callID else { return nil }
        self.callID = callID
    }
}

extension Call {
    /// The transport could not send `message`, one of this call's: the call fails (`send-error`, with the system's
    /// reason), and the transaction that sent it ends (RFC 3261 §17.1.1.2, §17.2.4).
    func sendFailed(_ message: UnsentMessage, _ failure: SendFailure, at now: SIPInstant) {
        defer { releaseIfQuiet(at: now) }
        let what = message.method.map { "the \($0)" } ?? "a \(message.statusCode ?? 0) response"
        let to = failure.destination.hostPort
        finish(at: now, failure: .sendError, detail: "cannot send \(what) to \(to): \(failure.reason)")
        guard let branch = message.branch else { return }
        if message.statusCode != nil {
            guard let i = servers.firstIndex(where: { $0.branch == branch }) else { return }
            run(servers[i].transportFailed(at: now), server: i, fromTimer: false, at: now)
        } else if message.method != "ACK", let i = clients.firstIndex(where: { $0.branch == branch }) {
            run(clients[i].transportFailed(at: now), client: i, fromTimer: false, at: now)
        }
    }
}
