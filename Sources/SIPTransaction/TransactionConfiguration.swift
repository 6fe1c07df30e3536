/// Timer values and transport reliability for a transaction (RFC 3261 §17, Table 4).
///
/// Over a reliable transport (TCP, TLS, SCTP) the retransmission timers A, E and G are not started and the
/// wait timers D, I, J and K are zero, so those transactions end at once instead of scheduling them (§17.1.1.2,
/// §17.1.2.2, §17.2.1, §17.2.2).
public struct TransactionConfiguration: Sendable, Hashable {
    /// RTT estimate (default 500 ms).
    public var t1: Duration
    /// 64·T1, the value of timers B, F, H, J, L and M (`Duration.times(_:)`: a transaction arms one per request).
    public var t1Times64: Duration { t1.times(64) }
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s).
    public var t2: Duration
    /// Maximum duration a message remains in the network (default 5 s).
    public var t4: Duration
    /// True for TCP/TLS/SCTP: no retransmissions, no absorbing waits.
    public var reliable: Bool

    public init(t1: Duration = .milliseconds(500), t2: Duration = .seconds(4), t4: Duration = .seconds(5),
                reliable: Bool = false) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
        self.reliable = reliable
    }

    public static let `default` = TransactionConfiguration()

    /// The value RFC 3261 gives `timer`, zero where the transport is reliable and the RFC says so.
    ///
    /// A and E give their first interval; G gives its first interval, also used to start the 2xx retransmission of
    /// §13.3.1.4 in the Accepted state. L and M come from RFC 6026 §8.11.
    public func duration(of timer: TransactionTimer) -> Duration {
        switch timer {
        case .timerA, .timerE, .timerG: return t1
        case .timerB, .timerF, .timerH, .timerL, .timerM: return t1Times64
        case .timerD: return reliable ? .zero : .seconds(32)
        case .timerI, .timerK: return reliable ? .zero : t4
        case .timerJ: return reliable ? .zero : t1Times64
        }
    }
}

/// The timers of RFC 3261 §17 (Table 4) and RFC 6026 §8.11.
public enum TransactionTimer: Sendable, Hashable, CaseIterable {
    /// INVITE client: retransmit the INVITE (unreliable only), interval doubling from T1.
    case timerA
    /// INVITE client: give up waiting for any response, 64·T1.
    case timerB
    /// INVITE client: absorb final-response retransmissions in Completed, 32 s (0 reliable).
    case timerD
    /// Non-INVITE client: retransmit the request (unreliable only), doubling from T1 up to T2.
    case timerE
    /// Non-INVITE client: give up waiting for a final response, 64·T1.
    case timerF
    /// INVITE server: retransmit the non-2xx final (unreliable only) — and, in Accepted, the 2xx (§13.3.1.4) —
    /// doubling from T1 up to T2.
    case timerG
    /// INVITE server: give up waiting for the ACK to a non-2xx final, 64·T1.
    case timerH
    /// INVITE server: absorb ACK retransmissions in Confirmed, T4 (0 reliable).
    case timerI
    /// Non-INVITE server: absorb request retransmissions in Completed, 64·T1 (0 reliable).
    case timerJ
    /// Non-INVITE client: absorb response retransmissions in Completed, T4 (0 reliable).
    case timerK
    /// INVITE server (RFC 6026): leave Accepted, 64·T1.
    case timerL
    /// INVITE client (RFC 6026): leave Accepted, 64·T1.
    case timerM
}

/// Why a transaction reached Terminated.
public enum TerminationReason: Sendable, Hashable {
    /// The transaction ran its course (final response handled, absorbing wait over).
    case normal
    /// A timeout the TU must hear about: B or F (no final response), H (no ACK for a non-2xx final) or L in
    /// Accepted when no ACK ever came for the 2xx (the UAS should then end the dialog with BYE, §13.3.1.4).
    case timedOut(TransactionTimer)
    /// The transport reported a fatal error sending a message (§17.1.1.2, §17.2.4).
    case transportError
}
