import NIOCore
import SIPCore
import SIPTransaction

/// A client transaction of a call, with where its request went (RFC 3261 §17.1).
struct ClientEntry {
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
    var transaction: Transaction
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
            transaction = .invite(try ClientInviteTransaction(invite: request, configuration: configuration))
        } else {
            transaction = .nonInvite(try ClientNonInviteTransaction(request: request, configuration: configuration))
        }
    }

    var sequence: UInt32? { request.cseq?.sequenceNumber }

    mutating func start(at now: SIPInstant) -> TransactionActions {
        switch transaction {
        case .invite(var tx): let a = tx.start(at: now); transaction = .invite(tx); return a
        case .nonInvite(var tx): let a = tx.start(at: now); transaction = .nonInvite(tx); return a
        }
    }

    mutating func received(_ response: SIPMessage, at now: SIPInstant) -> TransactionActions {
        switch transaction {
        case .invite(var tx): let a = tx.received(response, at: now); transaction = .invite(tx); return a
        case .nonInvite(var tx): let a = tx.received(response, at: now); transaction = .nonInvite(tx); return a
        }
    }

    mutating func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        switch transaction {
        case .invite(var tx): let a = tx.timerFired(timer, at: now); transaction = .invite(tx); return a
        case .nonInvite(var tx): let a = tx.timerFired(timer, at: now); transaction = .nonInvite(tx); return a
        }
    }
}

/// A server transaction of a call, with where its request came from (RFC 3261 §17.2, §18.2.2).
struct ServerEntry {
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
    var transaction: Transaction

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
            transaction = .invite(try ServerInviteTransaction(invite: request, configuration: configuration))
        } else {
            transaction = .nonInvite(try ServerNonInviteTransaction(request: request, configuration: configuration))
        }
    }

    mutating func respond(_ response: SIPMessage, at now: SIPInstant) -> TransactionActions {
        switch transaction {
        case .invite(var tx): let a = tx.respond(response, at: now); transaction = .invite(tx); return a
        case .nonInvite(var tx): let a = tx.respond(response, at: now); transaction = .nonInvite(tx); return a
        }
    }

    mutating func received(_ request: SIPMessage, at now: SIPInstant) -> TransactionActions {
        switch transaction {
        case .invite(var tx): let a = tx.received(request, at: now); transaction = .invite(tx); return a
        case .nonInvite(var tx): let a = tx.received(request, at: now); transaction = .nonInvite(tx); return a
        }
    }

    mutating func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        switch transaction {
        case .invite(var tx): let a = tx.timerFired(timer, at: now); transaction = .invite(tx); return a
        case .nonInvite(var tx): let a = tx.timerFired(timer, at: now); transaction = .nonInvite(tx); return a
        }
    }
}

/// An engine failure that is not the peer's fault: a bug, or a message the flow cannot produce.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
