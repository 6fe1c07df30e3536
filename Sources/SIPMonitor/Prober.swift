import NIOCore
import NIOPosix
import SIPCore
import SIPTransaction
import SIPTransport

/// Sends health-check probes: one request per probe on its own connected UDP socket, in an RFC 3261 non-INVITE
/// client transaction (Timer E retransmissions) until a final response, an ICMP port-unreachable, or the timeout.
public struct Prober: Sendable {
    public let group: any EventLoopGroup
    public let template: ProbeRequestTemplate
    public let policy: ProbePolicy
    public let resolver: TargetResolver
    public let t1: Duration
    public let t2: Duration
    /// Finds a target's addresses; `resolver` unless a test replaces it (to fail a name without asking DNS).
    let resolve: @Sendable (ProbeTarget) throws -> [SocketAddress]

    public init(group: any EventLoopGroup, template: ProbeRequestTemplate = .init(), policy: ProbePolicy = .init(),
                resolver: TargetResolver = .init(), t1: Duration = TimerE.defaultT1, t2: Duration = TimerE.defaultT2,
                resolve: (@Sendable (ProbeTarget) throws -> [SocketAddress])? = nil) {
        self.group = group
        self.template = template
        self.policy = policy
        self.resolver = resolver
        self.t1 = t1
        self.t2 = t2
        self.resolve = resolve ?? { target in try resolver.resolve(target) }
    }

    /// Probes `target` once and judges the answer.
    public func probe(_ target: ProbeTarget) async -> ProbeResult {
        ProbeEvaluator(policy: policy).evaluate(await observe(target))
    }

    /// Probes `target` once and reports what happened on the wire.
    ///
    /// When the name gave several addresses (A and AAAA, or several SRV targets) and one answers with ICMP
    /// port-unreachable, the next is tried at once (RFC 3263 §4.3), so `sip:localhost` works whether the server
    /// listens on 127.0.0.1 or ::1. A timeout is not retried: the probe would take a multiple of `--timeout`.
    public func observe(_ target: ProbeTarget) async -> ProbeObservation {
        guard target.transport == .udp else {
            return ProbeObservation(target: target, outcome: .transportError(
                "\(target.transport.rawValue.uppercased()) probes are not implemented yet; use UDP"))
        }
        let addresses: [SocketAddress]
        do {
            let resolve = self.resolve
            // IP literals need no DNS: no hop to the thread pool (which a busy process may keep waiting).
            addresses = target.isNumeric ? try resolve(target) : try await NIOThreadPool.singleton.runIfActive { try resolve(target) }
        } catch let failure as TargetResolver.Failure {
            return ProbeObservation(target: target, outcome: .unresolvable(failure.description))
        } catch let failure as PingArgumentError {
            return ProbeObservation(target: target, outcome: .unresolvable(failure.description))
        } catch {
            return ProbeObservation(target: target, outcome: .unresolvable("\(error)"))
        }
        var observation = ProbeObservation(target: target, outcome: .unresolvable("no address"))
        for address in addresses.prefix(8) {
            observation = await observe(target, at: address)
            if observation.outcome != .portUnreachable { break }
        }
        return observation
    }

    /// One probe of `target` sent to `address`.
    func observe(_ target: ProbeTarget, at address: SocketAddress) async -> ProbeObservation {
        let shown = Self.show(address)
        let exchange = ProbeExchange(policy: policy, t1: t1, t2: t2)
        let endpoint: UDPClientEndpoint
        do {
            endpoint = try await UDPClientEndpoint.connect(
                to: address, on: group,
                onMessage: { message, _ in exchange.received(message) },
                onError: { error in exchange.failed(error) })
        } catch {
            return ProbeObservation(target: target, address: shown, outcome: .transportError("\(error)"))
        }
        let request: SIPMessage
        do {
            request = try template.request(for: target, localHost: endpoint.localAddress.ipAddress ?? "127.0.0.1",
                                           localPort: endpoint.localAddress.port ?? 0, identity: .random())
        } catch {
            try? await endpoint.close()
            return ProbeObservation(target: target, address: shown,
                                    outcome: .transportError("cannot build the probe request: \(error)"))
        }
        var observation = ProbeObservation(target: target, address: shown, request: request, outcome: .timeout)
        let seen = await exchange.run(request: request, on: endpoint)
        try? await endpoint.close()
        observation.response = seen.response
        observation.outcome = seen.outcome
        observation.rtt = seen.rtt
        observation.retransmissions = seen.retransmissions
        observation.provisional = seen.provisional
        observation.strayDatagrams = seen.stray
        return observation
    }

    static func show(_ a: SocketAddress) -> String {
        let ip = a.ipAddress ?? "?"
        let port = a.port.map(String.init) ?? "?"
        return a.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

/// One probe on its socket's event loop: drives an RFC 3261 §17.1.2 `ClientNonInviteTransaction` (Timer E
/// retransmissions, T1 doubling to T2, T2 once a provisional arrived), matches responses (§17.1.3), and ends on a
/// final response, an ICMP port-unreachable, or `--timeout` (which takes the place of Timer F when shorter).
final class ProbeExchange: @unchecked Sendable {
    // @unchecked: every mutable field is touched only on the endpoint's event loop (`run` hops there; the socket
    // handlers and the scheduled timers run there).
    struct Seen: Sendable {
        var response: SIPMessage?
        var outcome: ProbeOutcome = .timeout
        var rtt: Duration?
        var retransmissions = 0
        var provisional: [Int] = []
        var stray = 0
    }

    let policy: ProbePolicy
    let configuration: TransactionConfiguration
    var transaction: ClientNonInviteTransaction?
    var seen = Seen()
    var sends = 0
    var endpoint: UDPClientEndpoint?
    var branch = ""
    var callID = ""
    var method: SIPMethod?
    var start = NIODeadline.now()
    /// When the datagram being handled arrived (the RTT's end for a final response).
    var arrival = NIODeadline.now()
    var promise: EventLoopPromise<Seen>?
    var scheduled: [Scheduled<Void>] = []

    init(policy: ProbePolicy, t1: Duration, t2: Duration) {
        self.policy = policy
        self.configuration = TransactionConfiguration(t1: t1, t2: t2, reliable: false)
    }

    func run(request: SIPMessage, on endpoint: UDPClientEndpoint) async -> Seen {
        let loop = endpoint.eventLoop
        let promise = loop.makePromise(of: Seen.self)
        loop.execute {
            self.endpoint = endpoint
            self.branch = request.topVia?.branch?.string ?? ""
            self.callID = request.callID?.string ?? ""
            self.method = request.method
            self.promise = promise
            do {
                self.transaction = try ClientNonInviteTransaction(request: request, configuration: self.configuration)
            } catch {
                self.finish(.transportError("cannot start a transaction for the probe: \(error)"))
                return
            }
            self.start = .now()
            self.scheduled.append(loop.scheduleTask(deadline: self.start + TimeAmount(self.policy.timeout)) {
                self.finish(.timeout)
            })
            self.perform(self.transaction!.start(at: self.instant(self.start)))
        }
        return (try? await promise.futureResult.get()) ?? seen
    }

    /// Instants for the transaction: time since an arbitrary origin, as its API wants.
    func instant(_ d: NIODeadline) -> SIPInstant { SIPInstant(nanoseconds: d.uptimeNanoseconds) }

    /// Runs what the transaction asked for; `message` is the response the event was about (for `.deliver`).
    func perform(_ actions: TransactionActions, message: SIPMessage? = nil) {
        guard let endpoint else { return }
        for action in actions {
            guard promise != nil else { return }
            switch action {
            case .send(let bytes):
                sends += 1
                if sends > 1 { seen.retransmissions += 1 }
                endpoint.send(bytes)
            case .schedule(let timer, let after):
                scheduled.append(endpoint.eventLoop.scheduleTask(in: TimeAmount(after)) {
                    guard self.promise != nil, var tx = self.transaction else { return }
                    let next = tx.timerFired(timer, at: self.instant(.now()))
                    self.transaction = tx
                    self.perform(next)
                })
            case .deliver:
                if let message { delivered(message) }
            case .terminated(.timedOut):
                finish(.timeout)
            case .terminated(.transportError):
                finish(.transportError("the transport failed to send the probe"))
            case .terminated:
                break
            }
        }
    }

    func delivered(_ response: SIPMessage) {
        guard let code = response.statusCode else { return }
        if code < 200 {
            seen.provisional.append(code)
            return
        }
        seen.response = response
        seen.rtt = Duration(arrival - start)
        finish(.answered(code: code, reason: response.reasonPhrase?.string ?? ""))
    }

    func received(_ inbound: InboundMessage) {
        guard promise != nil, var tx = transaction else { return }
        guard let message = try? SIPMessage(parsing: inbound.bytes), message.isResponse else {
            seen.stray += 1
            return
        }
        // RFC 3261 §17.1.3: the top Via branch and the CSeq method match the request. A server that mangles the
        // branch but keeps the Call-ID is still taken, so the conformance rules can say what it did wrong.
        let branchMatches = message.topVia?.branch?.string == branch
        let callMatches = message.callID?.string == callID
        let methodMatches = message.cseq?.method == method
        guard (branchMatches || callMatches), methodMatches || !branchMatches else {
            seen.stray += 1
            return
        }
        arrival = inbound.receivedAt
        let actions = tx.received(message, at: instant(inbound.receivedAt))
        transaction = tx
        perform(actions, message: message)
    }

    func failed(_ error: any Error) {
        guard promise != nil else { return }
        if isPortUnreachable(error) {
            seen.rtt = Duration(NIODeadline.now() - start)
            finish(.portUnreachable)
        } else {
            finish(.transportError("socket error: \(error)"))
        }
    }

    func finish(_ outcome: ProbeOutcome) {
        guard let promise else { return }
        self.promise = nil
        scheduled.forEach { $0.cancel() }
        scheduled = []
        seen.outcome = outcome
        if case .answered = outcome {} else if outcome != .portUnreachable { seen.rtt = nil }
        promise.succeed(seen)
    }
}

extension TimeAmount {
    init(_ d: Duration) {
        let c = d.components
        self = .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }
}

extension Duration {
    init(_ t: TimeAmount) { self = .nanoseconds(t.nanoseconds) }
}
