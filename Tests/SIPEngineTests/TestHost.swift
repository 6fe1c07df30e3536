import NIOCore
import SIPCore
import SIPTransaction
import SIPTransport
@testable import SIPEngine

/// A shard's host with a clock the test sets and a list of what was sent: a shard and its calls run with no
/// socket, no event loop and no real time. `run(until:)` plays the wake-ups the shard asked for, in order, with the
/// clock at each one.
final class TestHost: ShardHost {
    var clock: SIPInstant
    private(set) var sent: [(bytes: [UInt8], to: Destination, call: Int?)] = []
    /// The tick and the start wake-up the shard asked for, and the work it asked to run later.
    private(set) var tickAt: SIPInstant?
    private(set) var startsAt: SIPInstant?
    private var pending: [() -> Void] = []
    var localAddress: SocketAddress?
    var transport = SIPTransportKind.udp
    var readsPaused = false
    /// Whether the shard tells this host of what it receives (as it does a tap), and what it told.
    var tapping = false
    private(set) var received: [(bytes: [UInt8], call: Int?, rules: [String])] = []

    init(clock: SIPInstant = .zero, local: SocketAddress? = try? SocketAddress(ipAddress: "192.0.2.10", port: 5070)) {
        self.clock = clock
        self.localAddress = local
    }

    /// A shard of `configuration` on this host, advertising its local address.
    func shard(_ configuration: EngineConfiguration, index: Int = 0, count: Int = 1) -> Shard {
        let shard = Shard(index: index, count: count, configuration: configuration, processActive: ActiveCallCounter(),
                          start: clock)
        shard.host = self
        shard.advertise(ip: localAddress?.ipAddress ?? "127.0.0.1", port: localAddress?.port ?? 0)
        return shard
    }

    func now() -> SIPInstant { clock }
    func send(_ bytes: [UInt8], to destination: Destination, call: Int?) { sent.append((bytes, destination, call)) }
    func flush() {}
    func wakeUp(at: SIPInstant) { tickAt = at }
    func cancelWakeUp() { tickAt = nil }
    func wakeForStarts(at: SIPInstant) { startsAt = startsAt.map { min($0, at) } ?? at }
    func later(_ work: @escaping () -> Void) { pending.append(work) }
    func resumeReading() {}
    func tapHandling(_ inbound: InboundMessage) {}
    func tapped(received inbound: InboundMessage, call: Int?, rules: [String]) { received.append((inbound.bytes, call, rules)) }
    func resolve(_ server: Shard.NamedServer, srvPrefix: String, defaultPort: Int,
                 then done: @escaping (Result<[SocketAddress], NameResolution.Failure>) -> Void) {
        pending.append {
            done(Result { () throws(NameResolution.Failure) in
                try NameResolution.addresses(of: server.host, port: server.port, srvPrefix: nil, defaultPort: defaultPort)
            })
        }
    }

    /// Plays what the shard asked for up to `end`: each wake-up at its instant (the clock set to it), and the work
    /// asked to run later; then leaves the clock at `end`.
    func run(_ shard: Shard, until end: SIPInstant) {
        while true {
            if !pending.isEmpty {
                let work = pending
                pending = []
                work.forEach { $0() }
                continue
            }
            let next = [tickAt, startsAt].compactMap { $0 }.filter { $0 <= end }.min()
            guard let next else { break }
            clock = max(clock, next)
            if startsAt == next {
                startsAt = nil
                shard.startWakeUpFired()
            } else {
                tickAt = nil
                shard.tickFired()
            }
        }
        clock = max(clock, end)
    }

    /// The first lines of the messages sent, in order ("INVITE sip:…", "SIP/2.0 200 OK").
    var sentLines: [String] { sent.map { String(decoding: $0.bytes.prefix { $0 != 13 }, as: UTF8.self) } }

    /// Forgets what was sent so far.
    func clearSent() { sent = [] }
}
