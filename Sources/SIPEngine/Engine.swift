import NIOCore
import NIOPosix
import SIPTransaction
import SIPTransport

/// Runs one side of a flow: binds its sockets, starts calls at the rate (initiator) or answers them (responder),
/// and hands out statistics. One shard per thread, shared-nothing.
public final class Engine: @unchecked Sendable {
    // @unchecked: `drivers` and `localAddresses` are written once in `start()` before any other call.
    public let configuration: EngineConfiguration
    let group: MultiThreadedEventLoopGroup
    /// One a thread: each runs its shard on its event loop and socket.
    var drivers: [ShardDriver] = []
    let processActive = ActiveCallCounter()
    public private(set) var localAddresses: [SocketAddress] = []

    public init(configuration: EngineConfiguration) {
        self.configuration = configuration
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
    }

    /// Binds every shard's socket and starts the run. Throws `TransportError` when a socket cannot be bound.
    public func start() async throws {
        let count = max(1, configuration.threads)
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        var responderAddress = configuration.bindAddress
        if configuration.role == .responder, count > 1 {
            // The shards share the port through SO_REUSEPORT, which would also let this process share a port that
            // another program holds. Bind it alone first: that fails if the port is taken, and picks the port
            // when the configuration says 0.
            let probe = try await UDPEndpoint.bind(to: responderAddress, on: loops[0]) { _, _ in }
            responderAddress = probe.localAddress
            try await probe.close()
        }
        let schedule = CallClaims()
        for i in 0..<count {
            let shard = Shard(index: i, count: count, configuration: configuration, processActive: processActive,
                              schedule: schedule)
            let driver = ShardDriver(shard: shard, loop: loops[i % loops.count], tap: configuration.tap)
            var address = configuration.bindAddress
            let reusePort = configuration.role == .responder && count > 1
            if configuration.role == .initiator, let port = address.port, port != 0 {
                address.port = port + i
            } else if configuration.role == .responder {
                address = responderAddress
            }
            let endpoint = try await UDPEndpoint.bind(
                to: address, on: driver.loop, bufferSize: configuration.socketBufferSize,
                reusePort: reusePort, pacedReads: configuration.batchInterval > .zero
            ) { message, _ in shard.handle(message) }
            driver.lossPercent = configuration.lossPercent  // the driver records what it sends: it drops them
            try await driver.loop.submit { driver.attach(endpoint) }.get()
            drivers.last?.shard.helper = shard  // before any shard begins; read on the shard's loop only after that
            drivers.append(driver)
            localAddresses.append(endpoint.localAddress)
        }
        let origin = ShardDriver.now() + .milliseconds(5)
        for d in drivers { try await d.loop.submit { d.shard.begin(origin: origin) }.get() }
    }

    /// Statistics since the last collection, and the calls in progress now.
    public func collect() async -> (interval: CallStatistics, active: Int) {
        var merged = CallStatistics()
        var active = 0
        for d in drivers {
            let shard = d.shard
            let (stats, a) = (try? await d.loop.submit { () -> (CallStatistics, Int) in
                let s = shard.stats
                shard.stats = CallStatistics()
                return (s, shard.active)
            }.get()) ?? (CallStatistics(), 0)
            merged.merge(stats)
            active += a
        }
        return (merged, active)
    }

    /// What the shards still owe the peer: calls in their tables (in progress, or ended and held for their
    /// transactions) and ended calls lingering with final responses for timer J (see `Shard.linger`). With it, what
    /// tells the caller when the peer has gone quiet: the messages received since the last `collect`, and those
    /// so far that belonged to no call (`Shard.messagesOutOfCalls`, such as a load balancer's OPTIONS).
    public func obligations() async -> (owed: Int, receivedSinceCollect: UInt64, outOfCalls: UInt64) {
        var owed = 0
        var received: UInt64 = 0
        var outOfCalls: UInt64 = 0
        for d in drivers {
            let shard = d.shard
            let (o, r, x) = (try? await d.loop.submit {
                (shard.calls.count + shard.lingering.count, shard.stats.messagesReceived, shard.messagesOutOfCalls)
            }.get()) ?? (0, 0, 0)
            owed += o
            received &+= r
            outOfCalls &+= x
        }
        return (owed, received, outOfCalls)
    }

    /// Calls in the shards' tables now: in progress, or ended and still absorbing retransmissions.
    func callsHeld() async -> Int {
        var held = 0
        for d in drivers {
            let shard = d.shard
            held += (try? await d.loop.submit { shard.calls.count }.get()) ?? 0
        }
        return held
    }

    /// Ended calls of which the shards keep only final responses for timer J (see `Shard.linger`).
    func callsLingering() async -> Int {
        var lingering = 0
        for d in drivers {
            let shard = d.shard
            lingering += (try? await d.loop.submit { shard.lingering.count }.get()) ?? 0
        }
        return lingering
    }

    /// Ticks the shards have run so far (see `Shard.tickFired`).
    func ticks() async -> Int {
        var ticks = 0
        for d in drivers {
            let shard = d.shard
            ticks += (try? await d.loop.submit { shard.ticks }.get()) ?? 0
        }
        return ticks
    }

    /// Calls in progress now, across all shards.
    public func activeCalls() async -> Int {
        var active = 0
        for d in drivers {
            let shard = d.shard
            active += (try? await d.loop.submit { shard.active }.get()) ?? 0
        }
        return active
    }

    /// True once the initiator's schedule is over and no call is in progress.
    public func isFinished() async -> Bool {
        for d in drivers {
            let shard = d.shard
            let done = (try? await d.loop.submit { shard.startsOver && shard.active == 0 }.get()) ?? true
            if !done { return false }
        }
        return true
    }

    /// Stops starting calls (initiator) or accepting them (responder).
    public func stopStarting() async {
        for d in drivers {
            let shard = d.shard
            try? await d.loop.submit { shard.stopping = true; shard.startsDone = true }.get()
        }
    }

    /// Ends every call in progress properly (BYE or CANCEL), counting each as aborted. Paced at
    /// `Shard.abortsPerTick` a millisecond per thread, so that ending many calls does not flood the peer.
    public func abortCalls() async {
        for d in drivers {
            let shard = d.shard
            try? await d.loop.submit {
                shard.abortQueue = shard.calls.values.filter { !$0.finished }
                shard.armTick(after: Shard.timerResolution)  // the tick ends them
            }.get()
        }
    }

    /// Closes the sockets and stops the threads.
    public func shutdown() async {
        for d in drivers {
            try? await d.loop.submit { d.halt() }.get()
            try? await d.endpoint?.close()
        }
        try? await group.shutdownGracefully()
    }
}
