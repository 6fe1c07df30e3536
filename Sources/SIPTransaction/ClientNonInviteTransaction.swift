import SIPCore

/// The non-INVITE client transaction of RFC 3261 §17.1.2 (Figure 6).
///
/// ```
///   start ─▶ Trying ──1xx──▶ Proceeding
///              │ 200–699         │ 200–699
///              ▼                 ▼
///          Completed ◀───────────┘ ──Timer K──▶ Terminated
/// ```
///
/// Timer E retransmits the request (unreliable only): in Trying its interval doubles from T1 up to T2, in
/// Proceeding it is T2. Timer F (64·T1) gives up in Trying or Proceeding. Timer K (T4, zero reliable) absorbs
/// response retransmissions in Completed.
public struct ClientNonInviteTransaction: Sendable {
    public enum State: Sendable, Hashable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    /// The request as sent, until a final response; then the transaction lets go of it (Completed only absorbs
    /// response retransmissions, for timer K).
    public private(set) var request: SIPMessage?
    /// Matches responses (§17.1.3); `owned` once the request is let go of.
    public private(set) var key: TransactionKey
    public let configuration: TransactionConfiguration

    /// The request's bytes, sent on every retransmission; empty once a final response arrived.
    private(set) var requestBytes: [UInt8]
    private var started = false
    private var timerE = TimerSlot(), timerF = TimerSlot(), timerK = TimerSlot()

    /// A transaction for `request` (not INVITE or ACK), which must carry a Via with a branch.
    public init(request: SIPMessage, configuration: TransactionConfiguration = .default) throws(TransactionError) {
        guard let m = request.method, m != .invite, m != .ack else {
            throw TransactionError("a non-INVITE client transaction needs a request other than INVITE or ACK")
        }
        guard let key = TransactionKey.client(request) else {
            throw TransactionError("the \(m) has no Via branch to match responses by")
        }
        self.request = request
        self.key = key
        self.configuration = configuration
        self.requestBytes = wireBytes(of: request)
    }

    /// Sends the request and starts timers E (unreliable only) and F (§17.1.2.2). Call once.
    public mutating func start(at now: SIPInstant) -> TransactionActions {
        precondition(!started, "start(at:) called twice")
        started = true
        var out = TransactionActions(.send(requestBytes))
        if !configuration.reliable { arm(&timerE, .timerE, now, configuration.t1, &out) }
        arm(&timerF, .timerF, now, configuration.duration(of: .timerF), &out)
        return out
    }

    /// A response matching `key` arrived.
    public mutating func received(_ response: SIPMessage, at now: SIPInstant) -> TransactionActions {
        guard let code = response.statusCode else { return .none }
        switch (state, code) {
        case (.trying, 100..<200), (.proceeding, 100..<200):
            state = .proceeding
            return TransactionActions(.deliver)
        case (.trying, 200..<700), (.proceeding, 200..<700):
            timerE.disarm()
            timerF.disarm()
            request = nil
            requestBytes = []
            key = key.owned
            var out = TransactionActions(.deliver)
            let k = configuration.duration(of: .timerK)
            if k == .zero {
                state = .terminated
                out.append(.terminated(.normal))
            } else {
                state = .completed
                arm(&timerK, .timerK, now, k, &out)
            }
            return out
        default:
            return .none  // Completed absorbs retransmitted finals
        }
    }

    /// A timer scheduled by this transaction fired. Timers it no longer wants are ignored.
    public mutating func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        switch (state, timer) {
        case (.trying, .timerE), (.proceeding, .timerE):
            guard timerE.take(at: now) else { return .none }
            let t2 = configuration.t2
            let next = state == .proceeding ? t2 : min(timerE.interval.times(2), t2)
            var out = TransactionActions(.send(requestBytes))
            arm(&timerE, .timerE, now, next, &out)
            return out
        case (.trying, .timerF), (.proceeding, .timerF):
            guard timerF.take(at: now) else { return .none }
            return terminate(.timedOut(.timerF))
        case (.completed, .timerK):
            guard timerK.take(at: now) else { return .none }
            return terminate(.normal)
        default:
            return .none
        }
    }

    /// The transport failed to send the request (§17.1.2.2).
    public mutating func transportFailed(at now: SIPInstant) -> TransactionActions {
        state == .terminated ? .none : terminate(.transportError)
    }

    private mutating func terminate(_ reason: TerminationReason) -> TransactionActions {
        state = .terminated
        timerE.disarm(); timerF.disarm(); timerK.disarm()
        return TransactionActions(.terminated(reason))
    }
}
