import SIPCore
import SIPTransaction

/// One probe's exchange as a value: an RFC 3261 §17.1.2 `ClientNonInviteTransaction` (Timer E retransmissions, T1
/// doubling to T2, T2 once a provisional arrived), response matching (§17.1.3), and the end on a final response,
/// an ICMP port-unreachable, or the probe's timeout (which takes the place of Timer F when shorter).
///
/// No socket, no event loop, no clock: `handle(_:at:)` takes an event and the instant it happened and returns what
/// to do. `ProbeExchange` is the driver that feeds it a socket's datagrams and its timers; tests drive it with
/// instants of their own.
struct ProbeCore: Sendable {
    /// What the probe saw, once it is over.
    struct Seen: Sendable {
        var response: SIPMessage?
        var outcome: ProbeOutcome = .timeout
        var rtt: Duration?
        var retransmissions = 0
        var provisional: [Int] = []
        var stray = 0
    }

    enum Event: Sendable {
        /// Send the probe request; the probe's timeout counts from here.
        case start(SIPMessage)
        /// A datagram arrived; nil when it is not a SIP message.
        case datagram(SIPMessage?)
        /// A transaction timer armed by `.arm` fired.
        case timer(TransactionTimer)
        /// The probe's own timeout (`ProbePolicy.timeout`) armed by `.armTimeout`.
        case timeout
        /// The socket reported an error: ICMP port-unreachable (ECONNREFUSED on the connected socket), or another.
        case socketError(portUnreachable: Bool, description: String)
    }

    enum Action: Sendable, Equatable {
        case send([UInt8])
        case arm(TransactionTimer, after: Duration)
        case armTimeout(after: Duration)
        /// The probe is over: cancel every timer, close the socket, report `seen` (read it from `seen`).
        case finish
    }

    let timeout: Duration
    let configuration: TransactionConfiguration
    private(set) var seen = Seen()
    private(set) var isFinished = false
    private var transaction: ClientNonInviteTransaction?
    private var sends = 0
    private var branch: ByteString?
    private var callID: ByteString?
    private var method: SIPMethod?
    private var start = SIPInstant.zero

    init(timeout: Duration, t1: Duration, t2: Duration) {
        self.timeout = timeout
        self.configuration = TransactionConfiguration(t1: t1, t2: t2, reliable: false)
    }

    mutating func handle(_ event: Event, at now: SIPInstant) -> [Action] {
        guard !isFinished else { return [] }
        switch event {
        case .start(let request):
            branch = request.topVia?.branch
            callID = request.callID
            method = request.method
            start = now
            do {
                transaction = try ClientNonInviteTransaction(request: request, configuration: configuration)
            } catch {
                return finish(.transportError("cannot start a transaction for the probe: \(error)"))
            }
            return [.armTimeout(after: timeout)] + perform(transaction!.start(at: now), message: nil, at: now)
        case .datagram(let message):
            guard let message, message.isResponse, var tx = transaction else {
                seen.stray += 1
                return []
            }
            // RFC 3261 §17.1.3: the top Via branch and the CSeq method match the request. A server that mangles the
            // branch but keeps the Call-ID is still taken, so the conformance rules can say what it did wrong.
            let branchMatches = message.topVia?.branch == branch
            let callMatches = message.callID == callID
            let methodMatches = message.cseq?.method == method
            guard branchMatches || callMatches, methodMatches || !branchMatches else {
                seen.stray += 1
                return []
            }
            let actions = tx.received(message, at: now)
            transaction = tx
            return perform(actions, message: message, at: now)
        case .timer(let timer):
            guard var tx = transaction else { return [] }
            let actions = tx.timerFired(timer, at: now)
            transaction = tx
            return perform(actions, message: nil, at: now)
        case .timeout:
            return finish(.timeout)
        case .socketError(let portUnreachable, let description):
            guard portUnreachable else { return finish(.transportError("socket error: \(description)")) }
            seen.rtt = now - start
            return finish(.portUnreachable)
        }
    }

    /// Turns the transaction's actions into the driver's; `message` is the response the event was about.
    private mutating func perform(_ actions: TransactionActions, message: SIPMessage?, at now: SIPInstant) -> [Action] {
        var out: [Action] = []
        for action in actions {
            switch action {
            case .send(let bytes):
                sends += 1
                if sends > 1 { seen.retransmissions += 1 }
                out.append(.send(bytes))
            case .schedule(let timer, let after):
                out.append(.arm(timer, after: after))
            case .deliver:
                guard let message, let code = message.statusCode else { continue }
                if code < 200 {
                    seen.provisional.append(code)
                    continue
                }
                seen.response = message
                seen.rtt = now - start
                return out + finish(.answered(code: code, reason: message.reasonPhrase?.string ?? ""))
            case .terminated(.timedOut):
                return out + finish(.timeout)
            case .terminated(.transportError):
                return out + finish(.transportError("the transport failed to send the probe"))
            case .terminated:
                break
            }
        }
        return out
    }

    private mutating func finish(_ outcome: ProbeOutcome) -> [Action] {
        isFinished = true
        seen.outcome = outcome
        if case .answered = outcome {} else if outcome != .portUnreachable { seen.rtt = nil }
        return [.finish]
    }
}
