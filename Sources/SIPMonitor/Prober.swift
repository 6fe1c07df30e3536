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
    /// Sees each probe's request and the datagrams that answer it (`--trace`).
    public let tap: (any SIPTap)?
    /// Finds a target's addresses; `resolver` unless a test replaces it (to fail a name without asking DNS).
    let resolve: @Sendable (ProbeTarget) throws -> [SocketAddress]

    public init(group: any EventLoopGroup, template: ProbeRequestTemplate = .init(), policy: ProbePolicy = .init(),
                resolver: TargetResolver = .init(), t1: Duration = TimerE.defaultT1, t2: Duration = TimerE.defaultT2,
                tap: (any SIPTap)? = nil, resolve: (@Sendable (ProbeTarget) throws -> [SocketAddress])? = nil) {
        self.group = group
        self.template = template
        self.policy = policy
        self.resolver = resolver
        self.t1 = t1
        self.t2 = t2
        self.tap = tap
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
        let shown = address.hostPort
        let exchange = ProbeExchange(policy: policy, t1: t1, t2: t2)
        let endpoint: UDPClientEndpoint
        do {
            endpoint = try await UDPClientEndpoint.connect(
                to: address, on: group, tap: tap,
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
}

/// The driver of one probe's `ProbeCore` on its socket's event loop: feeds it the request, the socket's datagrams
/// and errors, and the timers it arms, with the loop's clock; runs the actions it returns.
final class ProbeExchange: @unchecked Sendable {
    // @unchecked: every mutable field is touched only on the endpoint's event loop (`run` hops there; the socket
    // handlers and the scheduled timers run there).
    typealias Seen = ProbeCore.Seen

    var core: ProbeCore
    var endpoint: UDPClientEndpoint?
    var promise: EventLoopPromise<Seen>?
    var scheduled: [Scheduled<Void>] = []

    init(policy: ProbePolicy, t1: Duration, t2: Duration) {
        core = ProbeCore(timeout: policy.timeout, t1: t1, t2: t2)
    }

    func run(request: SIPMessage, on endpoint: UDPClientEndpoint) async -> Seen {
        let loop = endpoint.eventLoop
        let promise = loop.makePromise(of: Seen.self)
        loop.execute {
            self.endpoint = endpoint
            self.promise = promise
            self.handle(.start(request), at: .now())
        }
        return (try? await promise.futureResult.get()) ?? core.seen
    }

    /// The loop's clock as the core's instants: time since an arbitrary origin.
    static func instant(_ d: NIODeadline) -> SIPInstant { SIPInstant(nanoseconds: d.uptimeNanoseconds) }

    /// Feeds `event` to the core and runs what it returns (on the endpoint's loop).
    func handle(_ event: ProbeCore.Event, at time: NIODeadline) {
        guard let endpoint, promise != nil else { return }
        for action in core.handle(event, at: Self.instant(time)) {
            switch action {
            case .send(let bytes):
                endpoint.send(bytes)
            case .arm(let timer, let after):
                scheduled.append(endpoint.eventLoop.scheduleTask(in: TimeAmount(after)) {
                    self.handle(.timer(timer), at: .now())
                })
            case .armTimeout(let after):
                scheduled.append(endpoint.eventLoop.scheduleTask(in: TimeAmount(after)) {
                    self.handle(.timeout, at: .now())
                })
            case .finish:
                scheduled.forEach { $0.cancel() }
                scheduled = []
                promise?.succeed(core.seen)
                promise = nil
            }
        }
    }

    func received(_ inbound: InboundMessage) {
        handle(.datagram(try? SIPMessage(parsing: inbound.bytes)), at: inbound.receivedAt)
    }

    func failed(_ error: any Error) {
        handle(.socketError(portUnreachable: isPortUnreachable(error), description: "\(error)"), at: .now())
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
