import NIOCore
import NIOPosix
import SIPTransaction
import SIPTransport

/// What a shard needs from outside itself: the clock, the socket, and its event loop's scheduling. The shard and its
/// calls touch nothing else of the world, so they run as well on a host of a test's own (a clock it sets, a list of
/// what was sent, wake-ups it runs itself) as on `ShardDriver`, which gives them an event loop and a UDP socket.
///
/// Every call is made on the shard's thread.
protocol ShardHost: AnyObject {
    /// The monotonic clock.
    func now() -> SIPInstant
    /// The transport the host's endpoint speaks, and its local address.
    var transport: SIPTransportKind { get }
    var localAddress: SocketAddress? { get }
    /// Queues a message for its destination (sent at the next `flush` at the latest). A message the endpoint cannot
    /// send comes back to the shard through `Shard.sendFailed`. `call` is the number of the call it belongs to.
    func send(_ bytes: [UInt8], to destination: Destination, call: Int?)
    func flush()
    /// Makes sure `Shard.tickFired()` runs at `at`, replacing the wake-up asked for before (`Shard.armTick`).
    func wakeUp(at: SIPInstant)
    func cancelWakeUp()
    /// Makes sure `Shard.startWakeUpFired()` runs at `at` (now, when it has passed).
    func wakeForStarts(at: SIPInstant)
    /// Runs `work` on the shard's thread after the current event. The one call made from other threads too (a
    /// shard asking its helper for help).
    func later(_ work: @escaping () -> Void)
    /// With paced reads: whether reading waits for `resumeReading()`, and reading the next burst.
    var readsPaused: Bool { get }
    func resumeReading()
    /// Whether a tap watches the shard's messages; `tapHandling(_:)` and `tapped(received:call:rules:)` are called
    /// only then. Sends are told to the tap by the host itself (`send(_:to:call:)`).
    var tapping: Bool { get }
    /// A message received is about to be handled: what is sent until `tapped(received:call:rules:)` is held and
    /// told to the tap after the message, so that the tap sees messages in the order they crossed (a 200 before the
    /// ACK its handling sent), though a received message is told only once handled (its call and rules known).
    func tapHandling(_ inbound: InboundMessage)
    /// A message the shard received and handled, with the number of its call and the IDs of the rules found on it;
    /// then what its handling sent.
    func tapped(received inbound: InboundMessage, call: Int?, rules: [String])
    /// Resolves a host name off the shard's thread (RFC 3263), handing the answer back on it.
    func resolve(_ server: Shard.NamedServer, srvPrefix: String, defaultPort: Int,
                 then done: @escaping (Result<[SocketAddress], NameResolution.Failure>) -> Void)
}

/// A shard's host in a run: its event loop, its UDP endpoint, and NIO's thread pool for DNS.
final class ShardDriver: ShardHost, @unchecked Sendable {
    // @unchecked: everything here is touched on `loop` only, but `loop` itself, which is thread-safe.
    let loop: any EventLoop
    let shard: Shard
    var endpoint: UDPEndpoint?
    /// Sees every message sent and received, with its call and findings (`EngineConfiguration.tap`).
    let tap: (any SIPTap)?
    /// Percent of outgoing datagrams to drop on purpose (`--lose`): dropped here, before the tap, so the tap shows
    /// only what went on the wire.
    var lossPercent: Double = 0
    /// While a received message is handled with a tap: what is sent meanwhile, told after it (see `tapHandling`).
    private var holdingSent = false
    private var heldSent: [SIPTapEvent] = []
    /// When the message being handled was read (see `readStamp`), taken before what its handling sent.
    private var heldReadStamp: UInt64 = 0
    /// The time of the last event told to the tap, which later ones do not go before (see `stamp`).
    private var lastStamp: UInt64 = 0
    /// The pending tick: a scheduled callback with the shard as its handler, not a scheduled task (a task allocates
    /// a promise, a future and a closure each time, and fails the promise when cancelled).
    private var tick: NIOScheduledCallback?

    init(shard: Shard, loop: any EventLoop, tap: (any SIPTap)? = nil) {
        self.shard = shard
        self.loop = loop
        self.tap = tap
        shard.host = self
    }

    /// Gives the shard its socket. Runs on `loop`.
    func attach(_ endpoint: UDPEndpoint) {
        self.endpoint = endpoint
        // Strong captures, which `halt()` breaks: a weak one would give the shard a side table, and every retain
        // and release of it would take the runtime's slow path (measured: about 5% of the caller's CPU).
        let shard = self.shard
        endpoint.onReadsPaused = { shard.armTick(after: shard.batchInterval) }
        // Told during a flush: handled as an event of its own, after the flush (the ending it may start sends).
        endpoint.onSendFailure = { [loop] failure in loop.execute { shard.sendFailed(failure) } }
        shard.advertise(ip: endpoint.localAddress.ipAddress ?? "127.0.0.1", port: endpoint.localAddress.port ?? 0,
                        transport: endpoint.transport)
    }

    /// Stops the shard for good and lets go of the endpoint's callbacks. Runs on `loop`.
    func halt() {
        endpoint?.onReadsPaused = nil
        endpoint?.onSendFailure = nil
        shard.halt()
    }

    // MARK: ShardHost

    func now() -> SIPInstant { Self.now() }

    static func now() -> SIPInstant { SIPInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }

    var transport: SIPTransportKind { endpoint?.transport ?? .udp }
    var localAddress: SocketAddress? { endpoint?.localAddress }

    func send(_ bytes: [UInt8], to destination: Destination, call: Int?) {
        guard let endpoint else { return }  // halted
        if lossPercent > 0, Double.random(in: 0..<100) < lossPercent { return }  // lost on purpose: not on the wire
        if let tap {
            let event = SIPTapEvent(direction: .sent, transport: destination.transport, local: endpoint.localAddress,
                                    remote: destination.address, timestamp: stamp(wallClockNanoseconds()), bytes: bytes,
                                    call: call)
            if holdingSent { heldSent.append(event) } else { tap.record(event) }
        }
        guard destination.transport == endpoint.transport else {
            let failure = SendFailure(bytes: bytes, destination: destination.address,
                                      reason: "this run has no \(destination.transport.rawValue) transport")
            loop.execute { [shard] in shard.sendFailed(failure) }
            return
        }
        endpoint.send(bytes, to: destination.address, flush: false)
    }

    func flush() { endpoint?.flush() }

    func wakeUp(at: SIPInstant) {
        tick?.cancel()
        tick = try? loop.scheduleCallback(at: .uptimeNanoseconds(at.nanoseconds), handler: TickHandler(shard: shard))
        if tick == nil { shard.loopEnded() }  // the loop is shutting down: no more ticks
    }

    func cancelWakeUp() {
        tick?.cancel()
        tick = nil
    }

    func wakeForStarts(at due: SIPInstant) {
        if due <= Self.now() {
            loop.execute { [shard] in shard.startWakeUpFired() }
        } else if (try? loop.scheduleCallback(at: .uptimeNanoseconds(due.nanoseconds), handler: StartWakeUp(shard: shard))) == nil {
            shard.startWakeUp = nil  // the loop is shutting down
        }
    }

    func later(_ work: @escaping () -> Void) {
        let work = UnsafeTransfer(work)
        loop.execute { work.value() }
    }

    var readsPaused: Bool { endpoint?.readsPaused == true }
    func resumeReading() { endpoint?.resumeReading() }

    var tapping: Bool { tap != nil }

    func tapHandling(_ inbound: InboundMessage) {
        heldReadStamp = readStamp(of: inbound)
        holdingSent = true
    }

    func tapped(received inbound: InboundMessage, call: Int?, rules: [String]) {
        guard let tap else { return }
        tap.record(SIPTapEvent(direction: .received, transport: inbound.transport, local: inbound.local,
                               remote: inbound.source, timestamp: holdingSent ? heldReadStamp : readStamp(of: inbound),
                               bytes: inbound.bytes, call: call, rules: rules))
        holdingSent = false
        guard !heldSent.isEmpty else { return }
        for event in heldSent { tap.record(event) }
        heldSent.removeAll(keepingCapacity: true)
    }

    /// When `inbound` was read, on the wall clock: now, less the time since it arrived (none when its arrival is not
    /// in the past).
    private func readStamp(of inbound: InboundMessage) -> UInt64 {
        let wall = wallClockNanoseconds(), now = NIODeadline.now().uptimeNanoseconds
        let since = min(now - min(inbound.receivedAt.uptimeNanoseconds, now), wall)
        return stamp(wall - since)
    }

    /// `time`, held at the last time told to the tap if it is earlier: the events of a shard go to the tap in order,
    /// and their times do not run backwards (a wall-clock step back, or nanoseconds between reading two clocks).
    private func stamp(_ time: UInt64) -> UInt64 {
        lastStamp = Swift.max(time, lastStamp)
        return lastStamp
    }

    func resolve(_ server: Shard.NamedServer, srvPrefix: String, defaultPort: Int,
                 then done: @escaping (Result<[SocketAddress], NameResolution.Failure>) -> Void) {
        let done = UnsafeTransfer(done)
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) {
            try NameResolution.addresses(of: server.host, port: server.port, srvPrefix: srvPrefix, defaultPort: defaultPort)
        }.whenComplete { result in
            done.value(result.mapError { $0 as? NameResolution.Failure ?? NameResolution.Failure(host: server.host, reason: "\($0)") })
        }
    }

    /// The tick (see `Shard.armTick`).
    private struct TickHandler: NIOScheduledCallbackHandler, Sendable {
        let shard: Shard
        func handleScheduledCallback(eventLoop: some EventLoop) { shard.tickFired() }
    }

    /// The wake-up for call starts of a shard that is not paced (see `Shard.scheduleNextStart`).
    private struct StartWakeUp: NIOScheduledCallbackHandler, Sendable {
        let shard: Shard
        func handleScheduledCallback(eventLoop: some EventLoop) { shard.startWakeUpFired() }
    }
}

/// A value handed to the shard's own loop from a closure NIO requires to be `Sendable`: the shard's closures are
/// made and run on that one thread.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The host of a halted shard: the clock still reads, nothing is sent or scheduled.
final class HaltedHost: ShardHost, Sendable {
    static let shared = HaltedHost()
    func now() -> SIPInstant { ShardDriver.now() }
    var transport: SIPTransportKind { .udp }
    var localAddress: SocketAddress? { nil }
    func send(_ bytes: [UInt8], to destination: Destination, call: Int?) {}
    func flush() {}
    func wakeUp(at: SIPInstant) {}
    func cancelWakeUp() {}
    func wakeForStarts(at: SIPInstant) {}
    func later(_ work: @escaping () -> Void) {}
    var readsPaused: Bool { false }
    func resumeReading() {}
    var tapping: Bool { false }
    func tapHandling(_ inbound: InboundMessage) {}
    func tapped(received inbound: InboundMessage, call: Int?, rules: [String]) {}
    func resolve(_ server: Shard.NamedServer, srvPrefix: String, defaultPort: Int,
                 then done: @escaping (Result<[SocketAddress], NameResolution.Failure>) -> Void) {}
}
