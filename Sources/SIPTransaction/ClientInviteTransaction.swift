import SIPCore

/// The INVITE client transaction of RFC 3261 §17.1.1 (Figure 5), with the Accepted state of RFC 6026 §7.2.
///
/// ```
///   Calling     1xx → Proceeding · 2xx → Accepted · 300–699 → Completed (ACK) · timer A → re-send · timer B → Terminated
///   Proceeding  1xx → Proceeding · 2xx → Accepted · 300–699 → Completed (ACK)
///   Completed   300–699 → re-send the ACK · timer D → Terminated
///   Accepted    2xx → deliver again · timer M → Terminated
/// ```
///
/// A value: events go in with the instant they happened, actions come out. The transaction sends the INVITE,
/// retransmits it on timer A (unreliable transports only, doubling from T1), gives up on timer B (64·T1, Calling
/// only), ACKs every 300–699 final itself and absorbs their retransmissions for timer D. A 2xx goes to the TU,
/// which sends its own ACK (§13.2.2.4); the transaction then stays Accepted for timer M, delivering each
/// retransmitted (or forked) 2xx to the TU so it can ACK again.
public struct ClientInviteTransaction: Sendable {
    public enum State: Sendable, Hashable { case calling, proceeding, completed, accepted, terminated }

    public private(set) var state: State = .calling
    /// The INVITE as sent, until a final response: the ACK for a non-2xx final and the CANCEL are derived from it.
    /// Then the transaction lets go of it (Completed keeps the ACK's bytes, Accepted needs nothing of the INVITE),
    /// so a long call does not hold its INVITE for timer M.
    public private(set) var invite: SIPMessage?
    /// Matches responses to this transaction (§17.1.3); `owned` once the INVITE is let go of.
    public private(set) var key: TransactionKey
    public let configuration: TransactionConfiguration

    /// The INVITE's bytes, sent on every retransmission; empty once a final response arrived.
    private(set) var inviteBytes: [UInt8]
    /// The ACK for the non-2xx final, built once and re-sent for each retransmission of that final.
    public private(set) var ackBytes: [UInt8]?
    private var started = false
    private var timerA = TimerSlot(), timerB = TimerSlot(), timerD = TimerSlot(), timerM = TimerSlot()

    /// A transaction for `invite`, which must carry a Via with a branch and a CSeq.
    public init(invite: SIPMessage, configuration: TransactionConfiguration = .default) throws(TransactionError) {
        guard invite.method == .invite else { throw TransactionError("an INVITE client transaction needs an INVITE") }
        guard let key = TransactionKey.client(invite) else {
            throw TransactionError("the INVITE has no Via branch or CSeq to match responses by")
        }
        self.invite = invite
        self.key = key
        self.configuration = configuration
        self.inviteBytes = wireBytes(of: invite)
    }

    /// Sends the INVITE and starts timers A (unreliable only) and B (§17.1.1.2). Call once.
    public mutating func start(at now: SIPInstant) -> TransactionActions {
        precondition(!started, "start(at:) called twice")
        started = true
        var out = TransactionActions(.send(inviteBytes))
        if !configuration.reliable { arm(&timerA, .timerA, now, configuration.t1, &out) }
        arm(&timerB, .timerB, now, configuration.duration(of: .timerB), &out)
        return out
    }

    /// A response matching `key` arrived.
    public mutating func received(_ response: SIPMessage, at now: SIPInstant) -> TransactionActions {
        guard let code = response.statusCode else { return .none }
        switch (state, code) {
        case (.calling, 100..<200), (.proceeding, 100..<200):
            state = .proceeding
            timerA.disarm()
            timerB.disarm()
            return TransactionActions(.deliver)
        case (.calling, 200..<300), (.proceeding, 200..<300):
            state = .accepted
            timerA.disarm()
            timerB.disarm()
            letGoOfInvite()
            var out = TransactionActions(.deliver)
            arm(&timerM, .timerM, now, configuration.duration(of: .timerM), &out)
            return out
        case (.accepted, 200..<300):
            return TransactionActions(.deliver)  // RFC 6026 §7.2: each 2xx to the TU, which re-sends its ACK
        case (.calling, 300..<700), (.proceeding, 300..<700):
            timerA.disarm()
            timerB.disarm()
            var out = TransactionActions(.deliver)
            if let invite, let ack = try? InviteRequests.ackForNonSuccess(invite: invite, response: response) {
                ackBytes = wireBytes(of: ack)
                out.append(.send(ackBytes!))
            }
            letGoOfInvite()
            return enterWait(.completed, \.timerD, .timerD, now, &out)
        case (.completed, 300..<700):
            if let ack = ackBytes { return TransactionActions(.send(ack)) }  // §17.1.1.2: re-send the ACK, do not tell the TU
            return .none
        default:
            return .none
        }
    }

    /// A timer scheduled by this transaction fired. Timers it no longer wants are ignored.
    public mutating func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        switch (state, timer) {
        case (.calling, .timerA):
            guard timerA.take(at: now) else { return .none }
            let next = timerA.interval.times(2)
            var out = TransactionActions(.send(inviteBytes))
            arm(&timerA, .timerA, now, next, &out)
            return out
        case (.calling, .timerB):
            guard timerB.take(at: now) else { return .none }
            return terminate(.timedOut(.timerB))
        case (.completed, .timerD):
            guard timerD.take(at: now) else { return .none }
            return terminate(.normal)
        case (.accepted, .timerM):
            guard timerM.take(at: now) else { return .none }
            return terminate(.normal)
        default:
            return .none
        }
    }

    /// The transport failed to send the INVITE or the ACK (§17.1.1.2): the TU is told through the termination.
    public mutating func transportFailed(at now: SIPInstant) -> TransactionActions {
        state == .terminated ? .none : terminate(.transportError)
    }

    /// A CANCEL for this INVITE (§9.1). Send it in Proceeding; in Calling wait for a provisional first.
    public func makeCancel() throws(TransactionError) -> SIPMessage {
        guard let invite else { throw TransactionError("the INVITE has its final response: there is nothing to cancel") }
        return try InviteRequests.cancel(for: invite)
    }

    /// After the final response: what is left of the INVITE is the key, with bytes of its own.
    private mutating func letGoOfInvite() {
        invite = nil
        inviteBytes = []
        key = key.owned
    }

    // MARK: -

    /// Enters an absorbing state for timer `t`, or Terminated at once when `t` is zero (reliable transport).
    private mutating func enterWait(_ s: State, _ slot: WritableKeyPath<Self, TimerSlot>, _ t: TransactionTimer,
                                    _ now: SIPInstant, _ out: inout TransactionActions) -> TransactionActions {
        let d = configuration.duration(of: t)
        if d == .zero {
            state = .terminated
            out.append(.terminated(.normal))
        } else {
            state = s
            arm(&self[keyPath: slot], t, now, d, &out)
        }
        return out
    }

    private mutating func terminate(_ reason: TerminationReason) -> TransactionActions {
        state = .terminated
        timerA.disarm(); timerB.disarm(); timerD.disarm(); timerM.disarm()
        return TransactionActions(.terminated(reason))
    }
}

/// Arms `slot` and records the matching `.schedule` action.
func arm(_ slot: inout TimerSlot, _ t: TransactionTimer, _ now: SIPInstant, _ d: Duration, _ out: inout TransactionActions) {
    slot.arm(at: now, after: d)
    out.append(.schedule(t, after: d))
}
