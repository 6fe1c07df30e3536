import SIPCore

/// A transaction in a flow, named by the index in `Flow.steps` of the request that opened it (RFC 3261 §17).
public struct TransactionID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let step: Int
    public init(step: Int) { self.step = step }
    public static func < (a: Self, b: Self) -> Bool { a.step < b.step }
    public var description: String { "transaction@\(step)" }
}

/// A dialog in a flow, named by the index in `Flow.steps` of the request that created it (RFC 3261 §12).
public struct DialogID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let step: Int
    public init(step: Int) { self.step = step }
    public static func < (a: Self, b: Self) -> Bool { a.step < b.step }
    public var description: String { "dialog@\(step)" }
}

/// Where a message sits in the SIP state: its transaction and its dialog. Worked out once, at load time.
public struct StepContext: Hashable, Sendable {
    public enum Role: Hashable, Sendable {
        /// A request that opens a new client transaction.
        case request(TransactionID)
        /// ACK for the INVITE in `invite`: in that INVITE's transaction for a non-2xx final response, a transaction
        /// of its own within the dialog for a 2xx (RFC 3261 §17.1.1.3, §13.2.2.4).
        case ack(invite: TransactionID, for2xx: Bool)
        /// CANCEL, its own transaction, for the pending INVITE in `invite` (RFC 3261 §9.1).
        case cancel(TransactionID, invite: TransactionID)
        /// A response in the server transaction `to`, which a request with `method` opened.
        case response(to: TransactionID, method: SIPMethod)
    }

    public enum DialogUsage: Hashable, Sendable {
        /// Outside any dialog: REGISTER, OPTIONS, CANCEL, ACK for a failure, requests before a dialog exists.
        case none
        /// The request that creates the dialog (the initial INVITE or SUBSCRIBE), and its responses.
        case creates(DialogID)
        /// Inside an established or early dialog: re-INVITE, BYE, ACK for 2xx, UPDATE, INFO, ...
        case within(DialogID)
    }

    public var role: Role
    public var dialog: DialogUsage

    /// The transaction the message belongs to, for matching responses and retransmissions.
    public var transaction: TransactionID {
        switch role {
        case .request(let id), .cancel(let id, _), .response(let id, _): id
        case .ack(let invite, _): invite
        }
    }
}
