import SIPCore

/// The INVITE server transaction of RFC 3261 §17.2.1 (Figure 7), with the Accepted state of RFC 6026 §7.1.
///
/// ```
///   INVITE ─▶ Proceeding ──2xx from TU──▶ Accepted ──Timer L──▶ Terminated
///                 │ 300–699 from TU
///                 ▼
///             Completed ──ACK──▶ Confirmed ──Timer I──▶ Terminated
///                 └──Timer H (no ACK)──────────────────▶ Terminated
/// ```
///
/// Re-sends the latest response when the INVITE is retransmitted (Proceeding, Completed). For a 300–699 final it
/// retransmits on timer G (unreliable only, T1 doubling to T2) until the ACK arrives or timer H (64·T1) expires,
/// and absorbs that ACK. For a 2xx it enters Accepted and runs the UAS's 2xx retransmission of §13.3.1.4 on the
/// same G schedule — over every transport, as §13.3.1.4 asks, because the ACK is end to end — until the ACK for
/// the 2xx is fed to `received(_:at:)` or timer L (64·T1) ends the transaction. That ACK carries a new branch, so
/// it does not match this transaction's key: the engine finds the transaction through the dialog (`DialogID`).
public struct ServerInviteTransaction: Sendable {
    public enum State: Sendable, Hashable { case proceeding, completed, confirmed, accepted, terminated }

    public private(set) var state: State = .proceeding
    /// The INVITE received, until the TU sends a final response (`respondTrying` builds from it); then the
    /// transaction lets go of it, so a long call does not hold its INVITE for timer L.
    public private(set) var invite: SIPMessage?
    /// Matches retransmissions (§17.2.3); `owned` once the INVITE is let go of.
    public private(set) var key: TransactionKey
    public let configuration: TransactionConfiguration
    /// The latest response sent, re-sent on INVITE retransmissions and timer G; nil again once the ACK for a 2xx
    /// has stopped the retransmissions (Accepted then only absorbs INVITE retransmissions, RFC 6026 §7.1).
    public private(set) var lastResponse: [UInt8]?
    /// True once the ACK for the 2xx came in (Accepted).
    public private(set) var acknowledged = false
    private var timerG = TimerSlot(), timerH = TimerSlot(), timerI = TimerSlot(), timerL = TimerSlot()

    /// A transaction for a received INVITE. The TU should respond within 200 ms or call `respondTrying(at:)`
    /// (§17.2.1).
    public init(invite: SIPMessage, configuration: TransactionConfiguration = .default) throws(TransactionError) {
        guard invite.method == .invite else { throw TransactionError("an INVITE server transaction needs an INVITE") }
        guard let key = TransactionKey.server(invite) else {
            throw TransactionError("the INVITE has no Via, CSeq or Call-ID to match retransmissions by")
        }
        self.invite = invite
        self.key = key
        self.configuration = configuration
    }

    /// Sends a 100 (Trying) built from the INVITE (§8.2.6.1, §17.2.1).
    public mutating func respondTrying(at now: SIPInstant) -> TransactionActions {
        guard let invite else { return .none }
        var w = MessageWriter(startLine: "SIP/2.0 100 Trying", capacity: invite.rawBytes.count)
        w.copyHeaders(of: invite, statusCode: 100, toTag: nil)
        return respond(statusCode: 100, bytes: w.finish(body: []), at: now)
    }

    /// The TU sends `response`. Responses the state does not allow (e.g. a 1xx after a final) are dropped.
    public mutating func respond(_ response: SIPMessage, at now: SIPInstant) -> TransactionActions {
        guard let code = response.statusCode else { return .none }
        return respond(statusCode: code, bytes: wireBytes(of: response), at: now)
    }

    /// The TU sends a response it has written as `bytes`, with status `code`: a TU that writes its responses need
    /// not parse them back. Responses the state does not allow (e.g. a 1xx after a final) are dropped.
    public mutating func respond(statusCode code: Int, bytes: [UInt8], at now: SIPInstant) -> TransactionActions {
        switch (state, code) {
        case (.proceeding, 100..<200):
            lastResponse = bytes
            return TransactionActions(.send(bytes))
        case (.proceeding, 200..<300):
            lastResponse = bytes
            state = .accepted
            letGoOfInvite()
            var out = TransactionActions(.send(bytes))
            arm(&timerG, .timerG, now, configuration.t1, &out)
            arm(&timerL, .timerL, now, configuration.duration(of: .timerL), &out)
            return out
        case (.accepted, 200..<300):
            lastResponse = bytes  // RFC 6026 §7.1: the TU may send further 2xx; the G schedule carries on
            return TransactionActions(.send(bytes))
        case (.proceeding, 300..<700):
            lastResponse = bytes
            state = .completed
            letGoOfInvite()
            var out = TransactionActions(.send(bytes))
            if !configuration.reliable { arm(&timerG, .timerG, now, configuration.t1, &out) }
            arm(&timerH, .timerH, now, configuration.duration(of: .timerH), &out)
            return out
        default:
            return .none
        }
    }

    /// A request arrived for this transaction: a retransmitted INVITE, the ACK for a non-2xx final (matched by
    /// key), or the ACK for the 2xx (found through the dialog).
    public mutating func received(_ request: SIPMessage, at now: SIPInstant) -> TransactionActions {
        switch (state, request.method) {
        case (.proceeding, .invite?), (.completed, .invite?):
            return lastResponse.map { TransactionActions(.send($0)) } ?? .none
        case (.completed, .ack?):
            timerG.disarm()
            timerH.disarm()
            let i = configuration.duration(of: .timerI)
            if i == .zero { return terminate(.normal) }
            state = .confirmed
            var out = TransactionActions()
            arm(&timerI, .timerI, now, i, &out)
            return out
        case (.accepted, .ack?):
            acknowledged = true
            timerG.disarm()  // §13.3.1.4: the ACK stops the 2xx retransmissions
            lastResponse = nil
            return TransactionActions(.deliver)  // RFC 6026 §7.1: ACKs in Accepted go to the TU
        default:
            return .none  // Confirmed absorbs ACKs; Accepted absorbs INVITE retransmissions (RFC 6026 §7.1)
        }
    }

    /// A timer scheduled by this transaction fired. Timers it no longer wants are ignored.
    public mutating func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        switch (state, timer) {
        case (.completed, .timerG), (.accepted, .timerG):
            guard timerG.take(at: now), let last = lastResponse else { return .none }
            let next = min(timerG.interval.times(2), configuration.t2)
            var out = TransactionActions(.send(last))
            arm(&timerG, .timerG, now, next, &out)
            return out
        case (.completed, .timerH):
            guard timerH.take(at: now) else { return .none }
            return terminate(.timedOut(.timerH))
        case (.confirmed, .timerI):
            guard timerI.take(at: now) else { return .none }
            return terminate(.normal)
        case (.accepted, .timerL):
            guard timerL.take(at: now) else { return .none }
            return terminate(acknowledged ? .normal : .timedOut(.timerL))
        default:
            return .none
        }
    }

    /// The transport failed to send a response (§17.2.4).
    public mutating func transportFailed(at now: SIPInstant) -> TransactionActions {
        state == .terminated ? .none : terminate(.transportError)
    }

    /// After a final response: what is left of the INVITE is the key, with bytes of its own.
    private mutating func letGoOfInvite() {
        invite = nil
        key = key.owned
    }

    private mutating func terminate(_ reason: TerminationReason) -> TransactionActions {
        state = .terminated
        timerG.disarm(); timerH.disarm(); timerI.disarm(); timerL.disarm()
        return TransactionActions(.terminated(reason))
    }
}
