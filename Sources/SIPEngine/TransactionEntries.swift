import SIPConformance
import NIOCore
import SIPCore
import SIPTransaction
import SIPTransport

/// A client transaction of a call, with where its request went (RFC 3261 §17.1).
///
/// A class: a call's messages update their transaction in place, where a struct in an array would be copied out
/// and back (with a retain and release of each of its references) for every message and timer. The transaction
/// stays an enum (the size of the larger state machine, not both).
final class ClientEntry: TimedEntry {
    typealias Transaction = TransactionState<ClientInviteTransaction, ClientNonInviteTransaction>

    /// The flow step that opened the transaction (`StepContext.transaction.step`).
    let step: Int
    let method: SIPMethod
    /// The request's CSeq number.
    let sequence: UInt32?
    let destination: Destination
    let createsDialog: Bool
    /// The transaction's current state.
    private(set) var transaction: Transaction
    var awaitingFinal = true
    /// The wheel's handles of the transaction's timers, cancelled when the call drops the transaction.
    var timers = EntryTimers()
    let sentAt: SIPInstant
    /// What the transaction's responses said so far, for the checks across them (`TransactionResponseRules`).
    var responses = TransactionResponseRules.Memory()

    init(step: Int, request: SIPMessage, destination: Destination, createsDialog: Bool,
         configuration: TransactionConfiguration, at now: SIPInstant) throws {
        guard let method = request.method else { throw EngineError("a request built for step \(step) has no method") }
        self.step = step
        self.method = method
        self.sequence = request.cseq?.sequenceNumber
        self.destination = destination
        self.createsDialog = createsDialog
        self.sentAt = now
        if method == .invite {
            transaction = .invite(try ClientInviteTransaction(invite: request, configuration: configuration))
        } else {
            transaction = .nonInvite(try ClientNonInviteTransaction(request: request, configuration: configuration))
        }
        branch = transaction.branch
    }

    /// The request, until the transaction has its final response (see `ClientInviteTransaction.invite`).
    var request: SIPMessage? {
        switch transaction {
        case .invite(let tx): tx.invite
        case .nonInvite(let tx): tx.request
        case .moving: nil
        }
    }

    /// The Via branch responses are matched by, from the transaction's key (a client key always has one). Kept
    /// apart from the transaction: each response is matched against it, and it never changes.
    let branch: ByteString?

    /// Whether the transaction has ended (it absorbs no more retransmissions).
    var isTerminated: Bool {
        switch transaction {
        case .invite(let tx): tx.state == .terminated
        case .nonInvite(let tx): tx.state == .terminated
        case .moving: false
        }
    }

    /// An INVITE transaction in RFC 6026's Accepted state: it only waits to pass on 2xx retransmissions.
    var isAcceptedInvite: Bool {
        if case .invite(let tx) = transaction { return tx.state == .accepted }
        return false
    }

    /// A non-INVITE transaction in Completed (timer K): it only absorbs retransmitted responses, which the shard
    /// drops as strays once the call is gone anyway (RFC 3261 §17.1.2.2).
    var onlyAbsorbsResponses: Bool {
        if case .nonInvite(let tx) = transaction { return tx.state == .completed }
        return false
    }

    func start(at now: SIPInstant) -> TransactionActions {
        transaction.update { $0.start(at: now) } nonInvite: { $0.start(at: now) }
    }

    func received(_ response: SIPMessage, at now: SIPInstant) -> TransactionActions {
        transaction.update { $0.received(response, at: now) } nonInvite: { $0.received(response, at: now) }
    }

    func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        transaction.update { $0.timerFired(timer, at: now) } nonInvite: { $0.timerFired(timer, at: now) }
    }

    /// The transport could not send the transaction's message (RFC 3261 §17.1.1.2, §17.2.4): it ends.
    func transportFailed(at now: SIPInstant) -> TransactionActions {
        transaction.update { $0.transportFailed(at: now) } nonInvite: { $0.transportFailed(at: now) }
    }
}

/// A server transaction of a call, with where its request came from (RFC 3261 §17.2, §18.2.2). A class, like
/// `ClientEntry`.
final class ServerEntry: TimedEntry {
    typealias Transaction = TransactionState<ServerInviteTransaction, ServerNonInviteTransaction>

    let step: Int
    let method: SIPMethod
    let sequence: UInt32?
    /// Whether the request's To has a tag: then a response adds none, and a 2xx to an INVITE creates no dialog
    /// (RFC 3261 §8.2.6.2, §12.1.1).
    let requestHasToTag: Bool
    let source: Destination
    /// The transaction's current state.
    private(set) var transaction: Transaction
    /// The wheel's handles of the transaction's timers, cancelled when the call drops the transaction.
    var timers = EntryTimers()

    init(request: SIPMessage, hasToTag: Bool, source: Destination, step: Int,
         configuration: TransactionConfiguration) throws {
        guard let method = request.method else { throw EngineError("the request has no method") }
        self.step = step
        self.method = method
        self.sequence = request.cseq?.sequenceNumber
        self.requestHasToTag = hasToTag
        self.source = source
        if method == .invite {
            transaction = .invite(try ServerInviteTransaction(invite: request, configuration: configuration))
        } else {
            transaction = .nonInvite(try ServerNonInviteTransaction(request: request, configuration: configuration))
        }
        branch = transaction.branch
        // Requests are matched to their transactions by branch here (an RFC 2543 Via without one is not served).
        guard branch != nil else { throw EngineError("the request's top Via has no branch") }
    }

    /// The request, until the TU has sent the final response (see `ServerInviteTransaction.invite`).
    var request: SIPMessage? {
        switch transaction {
        case .invite(let tx): tx.invite
        case .nonInvite(let tx): tx.request
        case .moving: nil
        }
    }

    /// The top Via branch retransmissions are matched by, from the transaction's key (kept as `ClientEntry` keeps
    /// its own).
    let branch: ByteString?

    /// Whether the transaction has ended (it absorbs no more retransmissions).
    var isTerminated: Bool {
        switch transaction {
        case .invite(let tx): tx.state == .terminated
        case .nonInvite(let tx): tx.state == .terminated
        case .moving: false
        }
    }

    /// An INVITE transaction in RFC 6026's Accepted state whose 2xx has been acknowledged: it only absorbs
    /// retransmissions of the INVITE and of the ACK, which the call can tell for itself (see `Call.receive`).
    var isAcknowledgedInvite: Bool {
        if case .invite(let tx) = transaction { return tx.state == .accepted && tx.acknowledged }
        return false
    }

    /// An INVITE transaction in Confirmed (timer I): it only absorbs retransmitted ACKs, which the shard drops as
    /// strays once the call is gone anyway (RFC 3261 §17.2.1).
    var onlyAbsorbsACKs: Bool {
        if case .invite(let tx) = transaction { return tx.state == .confirmed }
        return false
    }

    /// For a non-INVITE transaction in Completed (timer J), the final response it sends again for each
    /// retransmission of the request (RFC 3261 §17.2.2); nil otherwise.
    var completedResponse: [UInt8]? {
        if case .nonInvite(let tx) = transaction, tx.state == .completed { return tx.lastResponse }
        return nil
    }

    /// The TU sends a response it has written (see `ServerInviteTransaction.respond(statusCode:bytes:at:)`).
    func respond(statusCode: Int, bytes: [UInt8], at now: SIPInstant) -> TransactionActions {
        transaction.update { $0.respond(statusCode: statusCode, bytes: bytes, at: now) }
            nonInvite: { $0.respond(statusCode: statusCode, bytes: bytes, at: now) }
    }

    func received(_ request: SIPMessage, at now: SIPInstant) -> TransactionActions {
        transaction.update { $0.received(request, at: now) } nonInvite: { $0.received(request, at: now) }
    }

    func timerFired(_ timer: TransactionTimer, at now: SIPInstant) -> TransactionActions {
        transaction.update { $0.timerFired(timer, at: now) } nonInvite: { $0.timerFired(timer, at: now) }
    }

    /// The transport could not send the transaction's message (RFC 3261 §17.1.1.2, §17.2.4): it ends.
    func transportFailed(at now: SIPInstant) -> TransactionActions {
        transaction.update { $0.transportFailed(at: now) } nonInvite: { $0.transportFailed(at: now) }
    }
}

/// A transaction of a call whose timers the call can cancel.
protocol TimedEntry: AnyObject {
    var timers: EntryTimers { get set }
}

/// The wheel's handles of one transaction's timers: one for each timer it can have pending at once (a
/// retransmission timer, a time-out, a wait in Completed or Confirmed, and RFC 6026's L or M). Rearming a timer
/// replaces its handle; the one it replaces has fired.
struct EntryTimers {
    private var retransmit = TimerHandle.none, timeout = TimerHandle.none, absorb = TimerHandle.none,
                accepted = TimerHandle.none

    subscript(timer: TransactionTimer) -> TimerHandle {
        get {
            switch timer {
            case .timerA, .timerE, .timerG, .timerJ: retransmit
            case .timerB, .timerF, .timerH: timeout
            case .timerD, .timerK, .timerI: absorb
            case .timerL, .timerM: accepted
            }
        }
        set {
            switch timer {
            case .timerA, .timerE, .timerG, .timerJ: retransmit = newValue
            case .timerB, .timerF, .timerH: timeout = newValue
            case .timerD, .timerK, .timerI: absorb = newValue
            case .timerL, .timerM: accepted = newValue
            }
        }
    }

    /// Takes every pending timer of the transaction out of the shard's wheel.
    mutating func cancelAll(on shard: Shard) {
        for handle in [retransmit, timeout, absorb, accepted] where handle != .none { shard.cancel(handle) }
        self = EntryTimers()
    }
}

/// A transaction's state machine: the INVITE or the non-INVITE one of a side (RFC 3261 §17).
enum TransactionState<Invite, NonInvite> {
    case invite(Invite)
    case nonInvite(NonInvite)
    /// Only while an event is being applied (see `update`).
    case moving

    /// Applies an event in place: the machine is moved out (`consume`, leaving `.moving` while the event runs), so
    /// the value being changed is the only reference to its storage and nothing is copied, nor counted: binding
    /// the payload of `self` instead would retain each of its references, and replacing `self` release them again.
    mutating func update(invite: (inout Invite) -> TransactionActions,
                         nonInvite: (inout NonInvite) -> TransactionActions) -> TransactionActions {
        switch consume self {
        case .invite(var tx):
            self = .moving
            let out = invite(&tx)
            self = .invite(tx)
            return out
        case .nonInvite(var tx):
            self = .moving
            let out = nonInvite(&tx)
            self = .nonInvite(tx)
            return out
        case .moving:
            self = .moving
            return .none
        }
    }
}

/// A transaction state machine, as far as its key goes.
protocol KeyedTransaction {
    var key: TransactionKey { get }
}

extension ClientInviteTransaction: KeyedTransaction {}
extension ClientNonInviteTransaction: KeyedTransaction {}
extension ServerInviteTransaction: KeyedTransaction {}
extension ServerNonInviteTransaction: KeyedTransaction {}

extension TransactionState where Invite: KeyedTransaction, NonInvite: KeyedTransaction {
    /// The top Via branch of the transaction's key; nil while moving, or for an RFC 2543 key without one.
    var branch: ByteString? {
        switch self {
        case .invite(let tx): tx.key.branch
        case .nonInvite(let tx): tx.key.branch
        case .moving: nil
        }
    }
}

/// An engine failure that is not the peer's fault: a bug, or a message the flow cannot produce.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
