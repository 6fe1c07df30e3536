import NIOCore
import SIPConformance
import SIPCore
import SIPFlow
import SIPTransaction
import SIPTransport

/// One call: its party program's position, its dialog, and its transactions.
///
/// Owned by one `Shard` and touched only on that shard's event loop.
final class Call: CallIDKeyed {
    /// Strong, and a `let`: reaching the shard is the most frequent thing a call does, and a strong `let` of the
    /// call is read in place, with no count. Plain `unowned` costs two atomic operations each time, and an
    /// `unowned(unsafe)` reference is retained and released around each use (measured: some 40 times a call).
    /// The cycle this makes (the shard holds its calls) ends with each call, which leaves the shard's table and
    /// wheel; `Shard.halt()` breaks it for the calls still held at the end.
    let shard: Shard
    /// The call's number in the run, from 0.
    let number: Int
    /// Owned bytes, which the shard's table and the dialog share.
    let callID: ByteString
    let localTag: String
    /// Where the call's first request went (initiator) or came from (responder).
    let peer: Destination
    let scheduled: SIPInstant
    let dataRow: [String]

    /// Index of the next instruction of the party program.
    var pc = 0
    /// Bumped each time the call starts waiting, so a timer armed for an earlier wait is ignored.
    var generation: UInt32 = 0
    /// The timer of the current wait (a pause, or an expectation's timeout), cancelled when the wait ends early;
    /// once the call has finished, its reap timer.
    var timer = TimerHandle.none
    /// The call's dialog (RFC 3261 §12). An early dialog from a caller's provisional response is made only when
    /// something reads it (see `earlyDialogSource`). Read and changed in place (`_read`, `_modify`): a copy of the
    /// dialog would count a reference for each of its strings.
    var dialog: Dialog? {
        _read {
            if earlyDialogSource != nil { makeEarlyDialog() }
            yield storedDialog
        }
        _modify {
            if earlyDialogSource != nil { makeEarlyDialog() }
            yield &storedDialog
        }
        set {
            earlyDialogSource = nil
            storedDialog = newValue
        }
    }
    private var storedDialog: Dialog?

    /// Whether the call has a dialog (a pending early one is made first), told without a copy of it: `dialog != nil`
    /// resolves to the `Equatable` optionals' `!=`, which copies the dialog into a pair, a reference count for each
    /// of its strings.
    var hasDialog: Bool {
        if earlyDialogSource != nil { makeEarlyDialog() }
        return !storedDialogIsNone
    }

    /// `body` on the dialog in place (a pending early one is made first), or nil when there is none: `dialog!` as an
    /// argument copies the dialog.
    func withDialog<R>(_ body: (inout Dialog) throws -> R) rethrows -> R? {
        guard hasDialog else { return nil }
        return try body(&storedDialog!)
    }

    /// `storedDialog == nil` without the copy `hasDialog` explains.
    private var storedDialogIsNone: Bool {
        if case .none = storedDialog { return true }
        return false
    }
    /// The INVITE and the first provisional response with a To tag, until the early dialog they make is needed: in
    /// most calls the 2xx comes first and makes the confirmed dialog, and the early one would be built for nothing.
    /// Boxed: every call holds the field, and two messages in place would add some 230 bytes to each.
    private var earlyDialogSource: EarlyDialogSource?

    final class EarlyDialogSource {
        let request: SIPMessage
        let response: SIPMessage
        init(request: SIPMessage, response: SIPMessage) {
            self.request = request
            self.response = response
        }
    }
    var clients: [ClientEntry] = []
    var servers: [ServerEntry] = []
    var captures: [String?]
    var localSequence: UInt32 = 0
    /// The ACK this caller sent for the 2xx to its INVITE (see `Acknowledgement`).
    var acknowledged: Acknowledgement?
    var finished = false
    /// What the call still owes the peer after a failure (see `Call+Ending.swift`).
    var ending = Ending()
    /// Forked dialogs acknowledged and ended (see `acknowledgeFork`); nil in almost every call.
    var forks: Forks?
    /// Set once a finished call has let go of its state (see `releaseIfQuiet`).
    var released = false
    /// When the current wait started (for step timeouts).
    var marks = LatencyMarks()

    /// How to write again the ACK a caller sent for a 2xx, to answer each retransmission of that 2xx with the same
    /// ACK (RFC 3261 §13.2.2.4). Once the ACK has gone the call keeps this instead of the INVITE transaction (in
    /// RFC 6026's Accepted state only to pass those retransmissions up) and the ACK's bytes: the dialog, the ACK
    /// step and the number of the ACK's Via branch write the same bytes, unless the step's headers would not.
    struct Acknowledgement {
        /// The CSeq number of the INVITE the 2xx answers.
        let inviteSequence: UInt32
        /// The ACK step (`MessageTemplate.step`), and the number of its branch (`Shard.writeVia(into:branch:)`).
        let step: Int
        let branch: UInt64
        /// The ACK's bytes when its headers would not be written the same again (`flowHeadersRepeat`).
        let bytes: [UInt8]?
    }

    struct LatencyMarks {
        var inviteSent: SIPInstant?
        var sawNon100 = false
        var sawProvisional = false
    }

    init(shard: Shard, number: Int, callID: ByteString, localTag: String, peer: Destination, scheduled: SIPInstant,
         dataRow: [String]) {
        self.shard = shard
        self.number = number
        self.callID = callID
        self.localTag = localTag
        self.peer = peer
        self.scheduled = scheduled
        self.dataRow = dataRow
        self.captures = Array(repeating: nil, count: shard.program.captureNames.count)
    }

    var instructions: [CallStep] { shard.steps }

    // MARK: Running the program

    /// Runs instructions until the call must wait for a message or a pause, or ends.
    func advance(at now: SIPInstant) {
        while !finished {
            guard pc < instructions.count else {
                finish(at: now, failure: nil)
                return
            }
            switch instructions[pc] {
            case .send(let held):
                do {
                    try send(held.value, at: now)
                } catch {
                    let template = held.value
                    finish(at: now, failure: .sendError,
                           detail: "cannot send \(template.kind) (step \(template.step + 1), line \(template.location.line)): \(error)")
                    return
                }
                pc += 1
            case .pause(let delay):
                generation &+= 1
                let d = delay.sample(using: &shard.random)
                shard.cancel(timer)
                timer = shard.schedule(.pauseEnd(generation), for: self, after: d, from: now)
                return
            case .expect(let held):
                generation &+= 1
                // Without a timeout of its own, a step waits 64·T1 plus the pauses the peer takes before it.
                var timeout = held.value.timeout ?? shard.defaultTimeout
                if held.value.timeout == nil {
                    for pause in held.value.peerPauses { timeout += pause.upperBound }
                }
                shard.cancel(timer)
                timer = shard.schedule(.expectTimeout(generation), for: self, after: timeout, from: now)
                return
            }
        }
    }

    /// A timer armed by this call fired.
    func timerFired(_ kind: TimerEvent.Kind, at now: SIPInstant) {
        if released { return }
        defer { releaseIfQuiet(at: now) }
        switch kind {
        case .pauseEnd(let g):
            guard g == generation, !finished, pc < instructions.count, case .pause = instructions[pc] else { return }
            pc += 1
            advance(at: now)
        case .expectTimeout(let g):
            guard g == generation, !finished, pc < instructions.count, case .expect(let held) = instructions[pc] else { return }
            finish(at: now, failure: .timeout, detail: "nothing matched \(held.value.summary) in time")
        case .client(let step, let timer):
            guard let i = clients.firstIndex(where: { $0.step == step }) else { return }
            let actions = clients[i].timerFired(timer, at: now)
            run(actions, client: i, fromTimer: true, at: now)
        case .server(let step, let timer):
            guard let i = servers.firstIndex(where: { $0.step == step }) else { return }
            let actions = servers[i].timerFired(timer, at: now)
            run(actions, server: i, fromTimer: true, at: now)
        case .reap:
            if !released { shard.remove(self) }
        }
    }

    /// Ends the call once: counts it, and arms its reap (64·T1 + 1 s), by which it lets go of its state at the latest
    /// (see `releaseIfQuiet(at:)`).
    func finish(at now: SIPInstant, failure: FailureReason?, detail: @autoclosure () -> String = "") {
        guard !finished else { return }
        finished = true
        if failure != nil { ending.insert(.due) }
        generation &+= 1
        shard.callEnded(self, failure: failure, detail: failure == nil ? "" : "call \(number + 1): " + detail(), at: now)
        shard.cancel(timer)
        timer = shard.schedule(.reap, for: self, after: shard.transactions.t1Times64 + .seconds(1), from: now)
    }

    /// Once the call has ended and its transactions have too, or only absorb retransmissions, lets go of the call:
    /// out of the shard's table, and its messages and dialog freed (timer events still queued for it hold only the
    /// small `Call` object until they fire). A finished call otherwise stays until its reap timer, 64·T1 + 1 s
    /// after it ended.
    ///
    /// Transactions that only absorb retransmissions do not hold the call: a non-INVITE client transaction in
    /// Completed (timer K) and an INVITE server transaction in Confirmed (timer I) absorb what the shard drops as a
    /// stray anyway, and for a non-INVITE server transaction in Completed (timer J, 64·T1) the shard keeps only the
    /// final response to send again (`Shard.linger`). A callee at 10,000 calls/s would otherwise hold 32 s of
    /// whole calls.
    ///
    /// Called only at the end of an event (a message, a timer, a start), never while actions of a transaction
    /// entry are being run, since it changes `clients` and `servers`.
    ///
    /// While the call goes on, it drops the transactions that have ended, and its INVITE transaction once the 2xx
    /// has been acknowledged, so that a long call does not hold them: a caller answers retransmissions of that 2xx
    /// itself (see `Acknowledgement`), and a callee tells a retransmitted INVITE by its CSeq (see `receive`). A late
    /// ACK is ignored, and any other late request or response is treated as it would be without the transaction.
    func releaseIfQuiet(at now: SIPInstant) {
        guard finished else {
            let acknowledgedInvite = acknowledged?.inviteSequence
            drop(&clients) { $0.isTerminated || ($0.isAcceptedInvite && $0.sequence == acknowledgedInvite) }
            drop(&servers) { $0.isTerminated || $0.isAcknowledgedInvite }
            return
        }
        guard !released else { return }
        if ending.contains(.due) { settleAfterFailure(at: now) }
        if clients.contains(where: { $0.method == .bye && !$0.awaitingFinal }) || servers.contains(where: { $0.method == .bye }) {
            // A BYE ended the dialog (answered by the peer, or answered by us): the peer has stopped re-sending
            // its 2xx to the INVITE, so the INVITE transaction's Accepted state (RFC 6026, timer M, 64·T1) has
            // nothing left to wait for.
            drop(&clients) { $0.isAcceptedInvite }
            acknowledged = nil
        }
        // Without a BYE, a call that dropped its INVITE transaction keeps answering retransmitted 2xx until its reap.
        if acknowledged != nil, !clients.contains(where: { $0.method == .invite }) { return }
        guard clients.allSatisfy({ $0.isTerminated || $0.onlyAbsorbsResponses }),
              servers.allSatisfy({ $0.isTerminated || $0.onlyAbsorbsACKs || $0.completedResponse != nil }) else { return }
        released = true
        shard.remove(self)
        let answers = servers.compactMap { entry -> LingeringCall.Answer? in
            guard let response = entry.completedResponse, let branch = entry.branch else { return nil }
            return LingeringCall.Answer(method: entry.method, branch: branch, response: response, destination: entry.source)
        }
        if !answers.isEmpty { shard.linger(callID: callID, number: number, answers: answers, at: now) }
        shard.cancel(timer)  // the reap: nothing holds the call any more
        timer = .none
        drop(&clients) { _ in true }
        drop(&servers) { _ in true }
        dialog = nil
        captures = []
    }

    /// Removes the entries `done` says are done with, and their timers, freeing the array's storage once none is
    /// left.
    private func drop<Entry: TimedEntry>(_ entries: inout [Entry], where done: (Entry) -> Bool) {
        guard entries.contains(where: done) else { return }
        for entry in entries where done(entry) { entry.timers.cancelAll(on: shard) }
        entries.removeAll(where: done)
        if entries.isEmpty { entries = [] }
    }

    // MARK: Receiving

    func receive(_ message: SIPMessage, from source: Destination, at now: SIPInstant) {
        defer { releaseIfQuiet(at: now) }
        if message.isResponse {
            let method = message.cseq?.method
            guard let branch = message.topViaBranch,
                  let i = clients.firstIndex(where: { $0.method == method && $0.branch == branch })
            else {
                unmatchedResponse(message, at: now)
                return
            }
            shard.checkAcross(message, in: clients[i], call: self)
            if let code = message.statusCode, code >= 200, code < 300, case .invite(let tx) = clients[i].transaction,
               tx.state == .completed {
                // A 2xx after the transaction's non-2xx final (a finding above): its dialog is still acknowledged
                // and ended (§13.2.2.4), as a fork's is.
                acknowledgeFork(message, at: now)
                return
            }
            let request = clients[i].request  // the transaction lets go of it on a final response
            let actions = clients[i].received(message, at: now)
            run(actions, client: i, fromTimer: false, message: message, request: request, at: now)
            return
        }
        guard let method = message.method else { return }
        if method == .ack {
            receiveACK(message, from: source, at: now)
            return
        }
        if let branch = message.topViaBranch,
           let i = servers.firstIndex(where: { $0.branch == branch && $0.method == method }) {
            let actions = servers[i].received(message, at: now)
            run(actions, server: i, fromTimer: false, message: message, at: now)
            return
        }
        guard !finished else { return }
        let hasToTag = message.hasToTag
        if method == .invite, !hasToTag, let remote = dialog?.remoteSequence, let cseq = message.cseq,
           cseq.sequenceNumber <= remote {
            // The INVITE that created the dialog, again, after its transaction was dropped (see `releaseIfQuiet`):
            // the transaction would have absorbed it.
            return
        }
        guard let step = expectedStep(for: message) else {
            fail(unexpected: message, at: now)
            return
        }
        do {
            let entry = try ServerEntry(request: message, hasToTag: hasToTag, source: source, step: step,
                                        configuration: shard.transactions)
            if method == .bye {
                ending.insert(.dialogEnded)
                // The BYE ends the dialog: stop re-sending a 2xx whose ACK was lost (RFC 3261 §13.3.1.4 retransmits
                // it only to get the ACK; after BYE the peer has moved on and would see it as unexpected).
                servers.removeAll { e in
                    guard e.method == .invite, case .invite(let tx) = e.transaction else { return false }
                    return tx.state == .accepted && !tx.acknowledged
                }
            }
            servers.append(entry)
        } catch {
            fail(unexpected: message, at: now)
            return
        }
        if hasToTag, hasDialog { _ = dialog!.receivedRequest(message) }  // in place, as `sendRequest` writes
        deliver(message, at: now)
    }

    func receiveACK(_ ack: SIPMessage, from source: Destination, at now: SIPInstant) {
        // The ACK for a non-2xx final matches the INVITE's transaction by branch; the ACK for a 2xx matches it
        // through the dialog, by CSeq number (RFC 3261 §17.2.3, RFC 6026 §7.1).
        let branch = ack.topViaBranch
        let number = ack.cseq?.sequenceNumber
        if let i = servers.firstIndex(where: { $0.method == .invite && ((branch != nil && $0.branch == branch) || $0.sequence == number) }) {
            guard case .invite(let tx) = servers[i].transaction, !tx.acknowledged else { return }  // a repeated ACK
            // The ACK for a non-2xx final is the transaction's (§17.2.1): it moves Completed to Confirmed. The flow
            // still names it as a step, so the program sees the first one too.
            let firstNon2xxACK = tx.state == .completed
            let actions = servers[i].received(ack, at: now)
            run(actions, server: i, fromTimer: false, message: ack, at: now)
            acknowledgementWaitEnded()
            if firstNon2xxACK, !finished { deliver(ack, at: now) }
            return
        }
        if !finished { deliver(ack, at: now) }
    }

    /// The flow step (the transaction ID) that an incoming request opens, from the expectations ahead.
    func expectedStep(for request: SIPMessage) -> Int? {
        var i = pc
        while i < instructions.count {
            guard case .expect(let held) = instructions[i] else { return nil }
            if case .request(let m) = held.value.match, m == request.method {
                return held.value.context.transaction.step
            }
            guard held.value.mayBeSkipped else { return nil }
            i += 1
        }
        return nil
    }

    /// Runs the actions a client transaction returned; `.deliver` passes up `message`, the event's own message, a
    /// response to `request`.
    func run(_ actions: TransactionActions, client i: Int, fromTimer: Bool, message: SIPMessage? = nil,
             request: SIPMessage? = nil, at now: SIPInstant) {
        for action in actions {
            switch action {
            case .send(let bytes):
                if fromTimer { shard.stats.retransmissions += 1 }
                shard.send(bytes, to: clients[i].destination, call: number)
            case .deliver:
                if let message { responseArrived(message, client: i, request: request, at: now) }
            case .schedule(let timer, let after):
                clients[i].timers[timer] = shard.schedule(.client(step: clients[i].step, timer), for: self, after: after, from: now)
            case .terminated(let reason):
                if case .timedOut(let timer) = reason, !finished, clients[i].awaitingFinal {
                    finish(at: now, failure: .retransmissionsExhausted,
                           detail: "\(clients[i].method) got no final response (\(timer.spelled))")
                } else if reason == .transportError, !finished {
                    finish(at: now, failure: .sendError, detail: "the transport could not send the \(clients[i].method)")
                }
            }
        }
    }

    /// Runs the actions a server transaction returned; `.deliver` passes up `message`, the event's own message.
    func run(_ actions: TransactionActions, server i: Int, fromTimer: Bool, message: SIPMessage? = nil, at now: SIPInstant) {
        for action in actions {
            switch action {
            case .send(let bytes):
                if fromTimer { shard.stats.retransmissions += 1 }
                shard.send(bytes, to: servers[i].source, call: number)
            case .deliver:
                if let message, !finished { deliver(message, at: now) }
            case .schedule(let timer, let after):
                servers[i].timers[timer] = shard.schedule(.server(step: servers[i].step, timer), for: self, after: after, from: now)
            case .terminated(let reason):
                if servers[i].method == .invite { acknowledgementWaitEnded() }
                if case .timedOut(let timer) = reason, !finished, timer == .timerH || timer == .timerL {
                    finish(at: now, failure: .timeout, detail: "no ACK for the final response to \(servers[i].method) (\(timer.spelled))")
                } else if reason == .transportError, !finished {
                    finish(at: now, failure: .sendError, detail: "the transport could not send a response to \(servers[i].method)")
                }
            }
        }
    }

    /// A response to `request` passed up by a client transaction. `request` is nil for a 2xx retransmitted after
    /// the transaction let go of its INVITE (RFC 6026 Accepted): that copy is checked on its own.
    func responseArrived(_ response: SIPMessage, client i: Int, request: SIPMessage?, at now: SIPInstant) {
        guard let code = response.statusCode else { return }
        let entry = clients[i]
        if entry.step >= 0 { shard.measure(response: code, to: entry, call: self, at: now) }
        if let request {
            shard.check(response, answering: request, call: self)
            if entry.method == .invite, entry.createsDialog, (101..<300).contains(code), response.to?.tag != nil {
                if code < 200 {
                    // The first provisional response with a tag makes the early dialog, when it is first needed.
                    if storedDialogIsNone, earlyDialogSource == nil {
                        earlyDialogSource = EarlyDialogSource(request: request, response: response)
                    }
                } else if storedDialogIsNone || storedDialog?.state == .early {
                    var confirmed = try? Dialog.uac(request: request, response: response, callID: callID,
                                                    sharingTagsOf: storedDialog?.id, pool: &shard.strings)
                    if !storedDialogIsNone { confirmed?.continueSequences(of: storedDialog!) }
                    dialog = confirmed
                }
            }
        } else {
            shard.checkConformance(response, call: self)
        }
        if code >= 200 {
            if !entry.awaitingFinal {
                // A retransmitted 2xx (RFC 6026 Accepted), or one from another fork: ACK it (RFC 3261 §13.2.2.4).
                if code < 300, entry.method == .invite { acknowledgeAgain(response, at: now) }
                return
            }
            entry.awaitingFinal = false
        }
        if finished {
            responseAfterFailure(code, to: entry, at: now)
            return
        }
        guard entry.step >= 0 else { return }  // the engine's own BYE or CANCEL: no flow step waits for it
        deliver(response, answering: entry.step, checked: true, at: now)  // checked above
    }
}

extension Call {
    /// Makes the early dialog from `earlyDialogSource` (RFC 3261 §12.1.2).
    private func makeEarlyDialog() {
        guard let source = earlyDialogSource else { return }
        earlyDialogSource = nil
        storedDialog = try? Dialog.uac(request: source.request, response: source.response, callID: callID,
                                       pool: &shard.strings)
    }

    /// A response that matches none of the call's client transactions (RFC 3261 §17.1.3). A 2xx to the INVITE that
    /// arrived again after the call dropped the INVITE transaction (see `releaseIfQuiet`) is checked on its own and
    /// acknowledged (§13.2.2.4): with the same ACK for the call's dialog, once for a forked one. Any other is
    /// reported as a finding that names the transaction it came closest to (`Shard.reportUnmatched`).
    ///
    /// Other copies of responses to that INVITE are late and dropped. A 2xx to the INVITE that matches nothing else
    /// (its branch is wrong, say) is still acknowledged and its dialog ended, as a fork's is: the peer would otherwise
    /// re-send it for 64·T1 and keep the dialog up.
    func unmatchedResponse(_ response: SIPMessage, at now: SIPInstant) {
        let code = response.statusCode ?? 0, cseq = response.cseq
        if let acknowledged, let cseq, cseq.method == .invite, cseq.sequenceNumber == acknowledged.inviteSequence {
            guard (200..<300).contains(code) else {
                if code >= 300 { shard.reportFinalAfterAcknowledged(response, call: self) }
                return
            }
            shard.checkConformance(response, call: self)
            acknowledgeAgain(response, at: now)
            return
        }
        shard.reportUnmatched(response, call: self)
        if (200..<300).contains(code), let cseq, cseq.method == .invite,
           clients.contains(where: { $0.method == .invite && $0.sequence == cseq.sequenceNumber }) {
            acknowledgeAgain(response, at: now)
        }
    }

    /// Sends the ACK for the 2xx again, as it was first sent.
    func sendAcknowledgementAgain() {
        guard let bytes = acknowledgementBytes(), let d = dialog, let destination = try? shard.destination(for: d) else { return }
        shard.send(bytes, to: destination, call: number)
    }

    /// The ACK the call sent for the 2xx to its INVITE, written again (or as kept, see `Acknowledgement`).
    func acknowledgementBytes() -> [UInt8]? {
        guard let acknowledged, let d = dialog else { return nil }
        if let bytes = acknowledged.bytes { return bytes }
        guard let prepared = shard.prepared(step: acknowledged.step) else { return nil }
        return writeACK(in: d, inviteSequence: acknowledged.inviteSequence, prepared: prepared) { w in
            shard.writeVia(into: &w, branch: acknowledged.branch)
        }
    }

    /// The ACK for a 2xx in dialog `d` with the ACK step's headers (RFC 3261 §13.2.2.4); `via` writes the Via value.
    func writeACK(in d: Dialog, inviteSequence: UInt32, prepared: PreparedRequest,
                  via: (inout MessageWriter) -> Void) -> [UInt8] {
        var w = MessageWriter(capacity: 512)
        d.writeACK(inviteSequence: inviteSequence, into: &w, via: via)
        write(prepared.flowHeaders, into: &w)
        w.hasContentLength = prepared.hasContentLength
        return w.finish(body: [])
    }
}
