import SIPCore

/// The non-INVITE server transaction of RFC 3261 §17.2.2 (Figure 8).
///
/// ```
///   request ─▶ Trying ──1xx from TU──▶ Proceeding
///                │ 200–699 from TU        │ 200–699 from TU
///                ▼                        ▼
///            Completed ◀──────────────────┘ ──Timer J──▶ Terminated
/// ```
///
/// Request retransmissions are absorbed in Trying and answered with the latest response in Proceeding and
/// Completed. Timer J (64·T1, zero reliable) keeps the final response around for them.
public struct ServerNonInviteTransaction: Sendable {
    public enum State: Sendable, Hashable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    /// The request received, until the TU sends the final response; then the transaction lets go of it (Completed
    /// keeps only the response, for timer J).
    public private(set) var request: SIPMessage?
    /// Matches retransmissions (§17.2.3); `owned` once the request is let go of.
    public private(set) var key: TransactionKey
    public let configuration: TransactionConfiguration
    public private(set) var lastResponse: [UInt8]?
    private var timerJ = TimerSlot()

    /// A transaction for a received request other than INVITE and ACK.
    public init(request: SIPMessage, configuration: TransactionConfiguration = .default) throws(TransactionError) {
        guard let m = request.method, m != .invite, m != .ack else {
            throw TransactionError("a non-INVITE server transaction needs a request other than INVITE or ACK")
        }
        guard let key = TransactionKey.server(request) else {
            throw TransactionError("the \(m) has no Via, CSeq or Call-ID to match retransmissions by")
        }
        self.request = request
        self.key = key
        self.configuration = configuration
    }

    /// The TU sends `response`. Responses after the final are dropped.
    public mutating func respond(_ response: SIPMessage, at now: SIPInstant) -> TransactionActions {
        guard let code = response.statusCode else { return .none }
        return respond(statusCode: code, bytes: wireBytes(of: response), at: now)
    }

    /// The TU sends a response it has written as `bytes`, with status `code`: a TU that writes its responses need
    /// not parse them back. Responses after the final are dropped.
    public mutating func respond(statusCode code: Int, bytes: [UInt8], at now: SIPInstant) -> TransactionActions {
        switch (state, code) {
        case (.trying, 100..<200), (.proceeding, 100..<200):
            state = .proceeding
            lastResponse = bytes
            return TransactionActions(.send(bytes))
        case (.trying, 200..<700), (.proceeding, 200..<700):
            lastResponse = bytes
            request = nil
            key = key.owned
            var out = TransactionActions(.send(bytes))
            let j = configuration.duration(of: .timerJ)
            if j == .zero {
                state = .terminated
                out.append(.terminated(.normal))
            } else {
                state = .completed
                arm(&timerJ, .timerJ, now, j, &out)
            }
            return out
        default:
            return .none
        }
    }

    /// The request was retransmitted.
    public mutating func received(_ request: SIPMessage, at now: SIPInstant) -> TransactionActions {
        switch state {
        case .proceeding, .completed: return lastResponse.map { TransactionActions(.send($0)) } ?? .none
        case .trying, .terminated: return .none
        }
    }

    /// A timer scheduled by this transaction fired. Timers it no longer wants are ignored.
    public mutating func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        guard state == .completed, timer == .timerJ, timerJ.take(at: now) else { return .none }
        state = .terminated
        return TransactionActions(.terminated(.normal))
    }

    /// The transport failed to send a response (§17.2.4).
    public mutating func transportFailed(at now: SIPInstant) -> TransactionActions {
        guard state != .terminated else { return .none }
        state = .terminated
        timerJ.disarm()
        return TransactionActions(.terminated(.transportError))
    }
}
