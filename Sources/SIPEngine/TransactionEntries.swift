import NIOCore
import SIPCore
import SIPTransaction

/// A client transaction of a call, with where its request went (RFC 3261 §17.1).
///
/// A class: a call's messages update their transaction in place, where a struct in an array would be copied out
/// and back (with a retain and release of each of its references) for every message and timer.
final class ClientEntry {
    enum Transaction {
        case invite(ClientInviteTransaction)
        case nonInvite(ClientNonInviteTransaction)
    }

    /// The flow step that opened the transaction (`StepContext.transaction.step`).
    let step: Int
    let method: SIPMethod
    let branch: ByteString
    let request: SIPMessage
    let destination: SocketAddress
    let createsDialog: Bool
    /// Exactly one of the two is set; two optionals rather than an enum so that each step mutates in place.
    private var inviteTransaction: ClientInviteTransaction?
    private var nonInviteTransaction: ClientNonInviteTransaction?
    var awaitingFinal = true
    /// The ACK this UAC sent for a 2xx, re-sent if the 2xx comes again (RFC 3261 §13.2.2.4).
    var ackBytes: [UInt8]?
    var ackDestination: SocketAddress?
    let sentAt: SIPInstant

    init(step: Int, request: SIPMessage, destination: SocketAddress, createsDialog: Bool,
         configuration: TransactionConfiguration, at now: SIPInstant) throws {
        guard let method = request.method, let branch = request.topVia?.branch else {
            throw EngineError("a request built for step \(step) has no method or Via branch")
        }
        self.step = step
        self.method = method
        self.branch = ByteString(Array(branch.bytes))
        self.request = request
        self.destination = destination
        self.createsDialog = createsDialog
        self.sentAt = now
        if method == .invite {
            inviteTransaction = try ClientInviteTransaction(invite: request, configuration: configuration)
        } else {
            nonInviteTransaction = try ClientNonInviteTransaction(request: request, configuration: configuration)
        }
    }

    /// The transaction's current state.
    var transaction: Transaction {
        if let tx = inviteTransaction { return .invite(tx) }
        return .nonInvite(nonInviteTransaction!)
    }

    var sequence: UInt32? { request.cseq?.sequenceNumber }

    /// Whether the transaction has ended (it absorbs no more retransmissions).
    var isTerminated: Bool {
        if let tx = inviteTransaction { return tx.state == .terminated }
        return nonInviteTransaction!.state == .terminated
    }

    /// An INVITE transaction in RFC 6026's Accepted state: it only waits to pass on 2xx retransmissions.
    var isAcceptedInvite: Bool { inviteTransaction?.state == .accepted }

    func start(at now: SIPInstant) -> TransactionActions {
        if inviteTransaction != nil { return inviteTransaction!.start(at: now) }
        return nonInviteTransaction!.start(at: now)
    }

    func received(_ response: SIPMessage, at now: SIPInstant) -> TransactionActions {
        if inviteTransaction != nil { return inviteTransaction!.received(response, at: now) }
        return nonInviteTransaction!.received(response, at: now)
    }

    func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        if inviteTransaction != nil { return inviteTransaction!.timerFired(timer, at: now) }
        return nonInviteTransaction!.timerFired(timer, at: now)
    }
}

/// A server transaction of a call, with where its request came from (RFC 3261 §17.2, §18.2.2). A class, like
/// `ClientEntry`.
final class ServerEntry {
    enum Transaction {
        case invite(ServerInviteTransaction)
        case nonInvite(ServerNonInviteTransaction)
    }

    let step: Int
    let method: SIPMethod
    let branch: ByteString
    let sequence: UInt32?
    let request: SIPMessage
    let source: SocketAddress
    private var inviteTransaction: ServerInviteTransaction?
    private var nonInviteTransaction: ServerNonInviteTransaction?

    init(request: SIPMessage, source: SocketAddress, step: Int, configuration: TransactionConfiguration) throws {
        guard let method = request.method, let branch = request.topVia?.branch else {
            throw EngineError("the request has no method or Via branch")
        }
        self.step = step
        self.method = method
        self.branch = ByteString(Array(branch.bytes))
        self.sequence = request.cseq?.sequenceNumber
        self.request = request
        self.source = source
        if method == .invite {
            inviteTransaction = try ServerInviteTransaction(invite: request, configuration: configuration)
        } else {
            nonInviteTransaction = try ServerNonInviteTransaction(request: request, configuration: configuration)
        }
    }

    /// The transaction's current state.
    var transaction: Transaction {
        if let tx = inviteTransaction { return .invite(tx) }
        return .nonInvite(nonInviteTransaction!)
    }

    /// Whether the transaction has ended (it absorbs no more retransmissions).
    var isTerminated: Bool {
        if let tx = inviteTransaction { return tx.state == .terminated }
        return nonInviteTransaction!.state == .terminated
    }

    func respond(_ response: SIPMessage, at now: SIPInstant) -> TransactionActions {
        if inviteTransaction != nil { return inviteTransaction!.respond(response, at: now) }
        return nonInviteTransaction!.respond(response, at: now)
    }

    func received(_ request: SIPMessage, at now: SIPInstant) -> TransactionActions {
        if inviteTransaction != nil { return inviteTransaction!.received(request, at: now) }
        return nonInviteTransaction!.received(request, at: now)
    }

    func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        if inviteTransaction != nil { return inviteTransaction!.timerFired(timer, at: now) }
        return nonInviteTransaction!.timerFired(timer, at: now)
    }
}

/// An engine failure that is not the peer's fault: a bug, or a message the flow cannot produce.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
