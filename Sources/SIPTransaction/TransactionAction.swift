import SIPCore

/// One thing a transaction asks its owner (the engine) to do.
///
/// The engine runs actions in order: `send` passes bytes to the transport (the transaction does not know
/// addresses; requests go where the TU sent the first one, responses per RFC 3261 §18.2.2); `deliver` hands a
/// message to the TU; `schedule` sets a timer to fire `after` the instant of the event that returned it;
/// `terminated` means the transaction is over and its state can be dropped.
public enum TransactionAction: Sendable, Equatable, CustomStringConvertible {
    /// Send these exact bytes. Retransmissions hand out the same array (shared, copy-on-write): never re-serialized.
    case send([UInt8])
    /// Pass the message this event was about (the response or request just given to `received`) to the
    /// transaction user. It carries no payload: the caller already holds the message, and not copying it keeps
    /// actions small and free of reference counting.
    case deliver
    /// Call `timerFired(timer, at:)` once `after` has passed. There is no cancel: a timer the transaction no longer
    /// wants is ignored when it fires.
    case schedule(TransactionTimer, after: Duration)
    /// The transaction reached Terminated.
    case terminated(TerminationReason)

    public var description: String {
        switch self {
        case .send(let b): return "send(\(Self.firstLine(b)))"
        case .deliver: return "deliver"
        case .schedule(let t, let d): return "schedule(\(t), after: \(d))"
        case .terminated(let r): return "terminated(\(r))"
        }
    }

    static func firstLine(_ b: [UInt8]) -> String {
        let end = b.firstIndex(of: 0x0D) ?? b.endIndex
        return String(decoding: b[..<end], as: UTF8.self)
    }
}

/// The actions one event produced: at most four, stored inline so handling an event allocates nothing.
///
/// Compare with an array literal in tests: `#expect(tx.received(ringing, at: t) == [.deliver])`.
public struct TransactionActions: Sendable, Equatable, RandomAccessCollection, ExpressibleByArrayLiteral,
    CustomStringConvertible {
    /// The most actions any event of RFC 3261 §17 needs (e.g. deliver + send ACK + schedule D).
    public static let capacity = 4

    private var a0, a1, a2, a3: TransactionAction?
    public private(set) var count: Int = 0

    public init() {}

    /// One action. State machines use this rather than an array literal, which would allocate.
    public init(_ a: TransactionAction) {
        a0 = a
        count = 1
    }

    public init(arrayLiteral elements: TransactionAction...) {
        for e in elements { append(e) }
    }

    public static var none: TransactionActions { TransactionActions() }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }

    public subscript(i: Int) -> TransactionAction {
        precondition(i >= 0 && i < count, "action index \(i) out of range 0..<\(count)")
        switch i {
        case 0: return a0!
        case 1: return a1!
        case 2: return a2!
        default: return a3!
        }
    }

    /// Appends an action. Traps beyond `capacity`: that would be a bug in a state machine, not a runtime condition.
    public mutating func append(_ a: TransactionAction) {
        switch count {
        case 0: a0 = a
        case 1: a1 = a
        case 2: a2 = a
        case 3: a3 = a
        default: preconditionFailure("more than \(Self.capacity) actions for one event")
        }
        count += 1
    }

    public static func == (x: TransactionActions, y: TransactionActions) -> Bool { x.elementsEqual(y) }

    public var description: String { "[" + map(\.description).joined(separator: ", ") + "]" }
}

/// The bytes to send for a message: its storage itself when the message fills it (no copy), else one copy.
@inlinable
func wireBytes(of message: SIPMessage) -> [UInt8] {
    message.messageRange == message.storage.indices ? message.storage : Array(message.rawBytes)
}

/// An armed-or-not timer: its deadline, or `.max` when it is not wanted.
///
/// A fire is honoured only when the timer is armed and the fire's instant is at or after the deadline. This is how
/// "cancel" works without touching the engine's timer wheel: disarming makes the pending fire a no-op, and a fire
/// left over from before a re-arm arrives before the new deadline and is ignored.
struct TimerSlot: Sendable, Hashable {
    var deadline: UInt64 = .max
    /// The interval used for the latest arming (A, E, G double it).
    var interval: Duration = .zero

    var isArmed: Bool { deadline != .max }

    mutating func arm(at now: SIPInstant, after d: Duration) {
        interval = d
        deadline = min((now + d).nanoseconds, .max - 1)
    }

    mutating func disarm() { deadline = .max }

    /// True (and disarms) when a fire at `now` is wanted.
    mutating func take(at now: SIPInstant) -> Bool {
        guard isArmed, now.nanoseconds >= deadline else { return false }
        deadline = .max
        return true
    }
}
