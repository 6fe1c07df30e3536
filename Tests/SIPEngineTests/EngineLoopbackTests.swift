import Foundation
import NIOCore
import SIPCore
import SIPFlow
import SIPTransport
import Synchronization
import Testing
@testable import SIPEngine

/// Two engines back to back on loopback: the built-in flows run end to end, both sides.
@Suite(.serialized) struct EngineLoopbackTests {
    /// Loads a built-in flow with its pauses shortened, so tests run in well under a second per flow.
    static func flow(_ name: String) throws -> Flow {
        let text = try #require(BuiltinFlows.source(named: name))
            .replacingOccurrences(of: "pause: 2s", with: "pause: 50ms")
            .replacingOccurrences(of: "pause: 1s", with: "pause: 50ms")
        return try flow(yaml: text, named: name)
    }

    /// Loads the flow `text` from a file of its own, with the built-in SDP body beside it.
    static func flow(yaml text: String, named name: String) throws -> Flow {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sipflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sdp"), withIntermediateDirectories: true)
        try text.write(to: dir.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        if let sdp = BuiltinFlows.file("sdp/pcmu.sdp") {
            try sdp.write(to: dir.appendingPathComponent("sdp/pcmu.sdp"), atomically: true, encoding: .utf8)
        }
        return try FlowLoader.load(nameOrPath: dir.appendingPathComponent("\(name).yaml").path)
    }

    struct Result {
        var caller: CallStatistics
        var callee: CallStatistics
    }

    /// Runs `flow` between two engines with `--conformance error`; `both` changes both configurations, `tweak`
    /// the caller's.
    static func run(_ flow: Flow, calls: Int, rate: Double, threads: Int = 1,
                    batch: Duration = EngineConfiguration.defaultBatchInterval,
                    both change: @escaping (inout EngineConfiguration) -> Void = { _ in },
                    tweak: (inout EngineConfiguration) -> Void = { _ in }) async throws -> Result {
        let both = { (c: inout EngineConfiguration) in
            c.threads = threads
            c.conformance = .error
            c.batchInterval = batch
            change(&c)
        }
        let server = try await startServer(flow, tweak: both)
        let client = try await startClient(flow, calling: server, rate: rate, calls: calls) {
            both(&$0)
            $0.requestURI = "sip:service@127.0.0.1:\($0.target?.port ?? 0)"
            tweak(&$0)
        }
        try await waitFinished(client, within: .seconds(30))
        var caller = CallStatistics(), callee = CallStatistics()
        caller.merge(await client.collect().interval)
        // Give the callee a moment to see the last BYE.
        try await Task.sleep(for: .milliseconds(100))
        callee.merge(await server.collect().interval)
        await client.shutdown()
        await server.shutdown()
        return Result(caller: caller, callee: callee)
    }

    /// A responder engine of `flow` on a free loopback port, started.
    static func startServer(_ flow: Flow, tweak: (inout EngineConfiguration) -> Void = { _ in }) async throws -> Engine {
        var config = EngineConfiguration(role: .responder, flowName: flow.name, program: flow.responderProgram,
                                         target: nil, requestURI: "sip:127.0.0.1",
                                         bindAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        tweak(&config)
        let server = Engine(configuration: config)
        try await server.start()
        return server
    }

    /// An initiator engine of `flow` calling `server` at `rate` for `calls` calls, started.
    static func startClient(_ flow: Flow, calling server: Engine, rate: Double, calls: Int,
                            tweak: (inout EngineConfiguration) -> Void = { _ in }) async throws -> Engine {
        let serverAddress = try #require(server.localAddresses.first)
        var config = EngineConfiguration(role: .initiator, flowName: flow.name, program: flow.initiatorProgram,
                                         target: serverAddress, requestURI: "sip:svc@127.0.0.1",
                                         bindAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        config.rate = RateController(rate: rate, maxCalls: calls)
        tweak(&config)
        let client = Engine(configuration: config)
        try await client.start()
        return client
    }

    /// Waits, at most `within`, until `engine` has started all its calls and none is in progress; fails the test
    /// (and throws) when they have not by then.
    static func waitFinished(_ engine: Engine, within: Duration = .seconds(10),
                             sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + within
        var finished = await engine.isFinished()
        while !finished, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            finished = await engine.isFinished()
        }
        try #require(finished, "the engine's calls were not over within \(within)", sourceLocation: sourceLocation)
    }

    @Test func basicCallCompletesOnBothSides() async throws {
        let r = try await Self.run(Self.flow("basic-call"), calls: 20, rate: 200)
        #expect(r.caller.started == 20)
        #expect(r.caller.completed == 20, "failures: \(r.caller.failures)")
        #expect(r.caller.failed == 0)
        #expect(r.callee.completed == 20, "failures: \(r.callee.failures)")
        #expect(r.caller.histograms[.setup]?.totalCount == 20)
        #expect(r.caller.histograms[.pdd]?.totalCount == 20)
        #expect(r.caller.histograms[.bye]?.totalCount == 20)
        #expect(r.caller.inviteFinals == [200: 20])
        #expect(r.caller.retransmissions == 0)
        #expect(r.caller.conformance.isEmpty, "\(r.caller.conformance)")
        #expect(r.callee.conformance.isEmpty, "\(r.callee.conformance)")
    }

    /// `--batch 0`: each datagram is handled as it arrives, and calls start on their own wake-ups.
    @Test func callsCompleteUnbatched() async throws {
        let r = try await Self.run(Self.flow("basic-call"), calls: 40, rate: 400, threads: 2, batch: .zero)
        #expect(r.caller.completed == 40, "failures: \(r.caller.failures)")
        #expect(r.callee.completed == 40, "failures: \(r.callee.failures)")
        #expect(r.caller.retransmissions == 0)
    }

    @Test(arguments: ["cancel", "decline", "register", "options", "reinvite"])
    func builtinFlowCompletes(_ name: String) async throws {
        let r = try await Self.run(Self.flow(name), calls: 10, rate: 100)
        #expect(r.caller.completed == 10, "\(name) caller failures: \(r.caller.failures)")
        #expect(r.callee.completed == 10, "\(name) callee failures: \(r.callee.failures)")
        #expect(r.caller.conformance.isEmpty, "\(r.caller.conformance)")
    }

    /// Every 2xx to an INVITE is ACKed (RFC 3261 §13.2.2.4), with the INVITE's CSeq number, before the BYE. The
    /// callee alone cannot tell: it lets a BYE stand in for a lost ACK, so the calls complete without one.
    @Test func everyAnsweredInviteIsAcknowledgedBeforeItsBye() async throws {
        let tap = RecordingTap()
        let r = try await Self.run(Self.flow("basic-call"), calls: 10, rate: 100, both: { $0.tap = tap })
        #expect(r.caller.completed == 10, "failures: \(r.caller.failures)")
        let received = tap.events.filter { $0.direction == .received }.compactMap { try? SIPMessage(parsing: $0.bytes) }
        let invites = received.filter { $0.method == .invite }
        #expect(Set(invites.compactMap(\.callID)).count == 10)
        for invite in invites {
            let call = received.filter { $0.callID == invite.callID }
            let ack = call.firstIndex { $0.method == .ack }
            let bye = call.firstIndex { $0.method == .bye }
            #expect(ack != nil, "no ACK for the 200 to \(invite.callID ?? "?")")
            #expect(ack.map { call[$0].cseq?.sequenceNumber } == invite.cseq?.sequenceNumber, "the ACK's CSeq number")
            if let ack, let bye { #expect(ack < bye, "the ACK comes before the BYE") }
        }
    }

    /// OPTIONS and its 200, each with a Date that is no RFC 1123 date (RFC 3261 §20.17), when `badRequest` or
    /// `badResponse` says so.
    static func optionsWithABadDate(badRequest: Bool, badResponse: Bool) throws -> Flow {
        let date = "    headers:\n      Date: yesterday\n"
        return try flow(yaml: """
            name: bad-date
            parties: [client, server]
            steps:
              - client -> server: OPTIONS
            \(badRequest ? date : "")  - server -> client: 200
            \(badResponse ? date : "")
            """, named: "bad-date")
    }

    static let dateRule = "rfc3261.20.17.date-format"

    /// The caller checks each response against its request (`Shard.check`): a 200 that breaks a rule is counted
    /// under the rule's ID, and with `--conformance error` fails its call.
    @Test func aResponseThatBreaksARuleIsCountedAndFailsTheCall() async throws {
        let r = try await Self.run(Self.optionsWithABadDate(badRequest: false, badResponse: true), calls: 5, rate: 100)
        let count = try #require(r.caller.conformance[Self.dateRule], "findings: \(r.caller.conformance)")
        #expect(count.count == 5)
        #expect(count.severity == "error")
        #expect(count.firstExample.contains("yesterday"), "\(count.firstExample)")
        #expect(r.caller.failures == [.conformanceError: 5])
        #expect(r.caller.completed == 0)
        #expect(r.callee.conformance.isEmpty, "\(r.callee.conformance)")
        #expect(r.callee.completed == 5, "failures: \(r.callee.failures)")
    }

    /// The callee checks each request it receives (`Shard.checkConformance`): with `--conformance warn` the
    /// finding is counted and the call goes on.
    @Test func aRequestThatBreaksARuleIsCountedByTheCallee() async throws {
        let r = try await Self.run(Self.optionsWithABadDate(badRequest: true, badResponse: false), calls: 5, rate: 100,
                                   both: { $0.conformance = .warn })
        let count = try #require(r.callee.conformance[Self.dateRule], "findings: \(r.callee.conformance)")
        #expect(count.count == 5)
        #expect(r.callee.completed == 5, "failures: \(r.callee.failures)")
        #expect(r.caller.completed == 5, "failures: \(r.caller.failures)")
        #expect(r.caller.conformance.isEmpty, "\(r.caller.conformance)")
    }

    @Test func severalThreadsShareTheWork() async throws {
        let r = try await Self.run(Self.flow("basic-call"), calls: 40, rate: 400, threads: 2)
        #expect(r.caller.completed == 40, "failures: \(r.caller.failures)")
        #expect(r.callee.completed == 40, "failures: \(r.callee.failures)")
    }

    /// Calls each shard of `engine` has started since the engine last collected its statistics.
    static func startedByShard(_ engine: Engine) async throws -> [UInt64] {
        var started: [UInt64] = []
        for d in engine.drivers { started.append(try await d.loop.submit { d.shard.stats.started }.get()) }
        return started
    }

    /// Two threads, at a rate the first keeps up with: it starts the calls, and the second, unless asked for help,
    /// does not wake up for them. Shared out in turn, the first would start half. The batch interval is long here
    /// (50 ms, so `helpAfter` is 100 ms): with the default, a test run on a loaded machine stalls the first thread
    /// for over a millisecond often enough that the second helps for a good share of the calls.
    @Test func aRateOneThreadKeepsUpWithStaysOnTheFirstThread() async throws {
        let flow = try Self.flow("basic-call")
        let threads = { (c: inout EngineConfiguration) in
            c.threads = 2
            c.batchInterval = .milliseconds(50)
        }
        let server = try await Self.startServer(flow, tweak: threads)
        let client = try await Self.startClient(flow, calling: server, rate: 300, calls: 300, tweak: threads)
        try await Self.waitFinished(client, within: .seconds(30))
        let started = try await Self.startedByShard(client)
        await client.shutdown()
        await server.shutdown()
        #expect(started.reduce(0, +) == 300, "each call started once: \(started)")
        #expect(started[0] >= 285, "by shard: \(started)")
    }

    /// The first thread stalls (100 ms, at 2,000 calls/s): the calls it then starts are late, so it asks the second
    /// for help, which starts calls too. Each call still starts once, and all complete.
    @Test func aShardThatFallsBehindGetsHelp() async throws {
        let flow = try Self.flow("basic-call")
        let threads = { (c: inout EngineConfiguration) in c.threads = 2 }
        let server = try await Self.startServer(flow, tweak: threads)
        let client = try await Self.startClient(flow, calling: server, rate: 2000, calls: 600, tweak: threads)
        try await Task.sleep(for: .milliseconds(50))
        client.drivers[0].loop.execute { usleep(100_000) }
        try await Self.waitFinished(client, within: .seconds(30))
        let started = try await Self.startedByShard(client)
        let stats = await client.collect().interval
        await client.shutdown()
        await server.shutdown()
        #expect(started.reduce(0, +) == 600, "each call started once: \(started)")
        #expect(started[1] > 0, "the second shard helped: \(started)")
        #expect(stats.completed == 600, "failures: \(stats.failures)")
    }

    /// Calls held back (here by `--max-concurrent 1` and a 50 ms pause in each call) start late, and the statistics
    /// say when the last one really started: the achieved rate of a `--calls` run is computed up to then.
    @Test func theLastStartIsMeasuredWhenCallsFallBehind() async throws {
        let r = try await Self.run(Self.flow("basic-call"), calls: 5, rate: 100) { $0.maxConcurrent = 1 }
        #expect(r.caller.completed == 5, "failures: \(r.caller.failures)")
        // On schedule the 5th call starts at 40 ms; one at a time, each waiting for the previous one's 50 ms pause
        // and its BYE, it cannot start before 200 ms.
        let last = try #require(r.caller.lastStartOffset)
        #expect(last >= .milliseconds(200), "last start at \(last)")
        #expect((r.caller.histograms[.lateness]?.max ?? 0) >= 150_000, "lateness of the held calls, µs")
    }

    /// A shard wakes up only while it has something to do: an engine with no calls and no timers does not tick, one
    /// with calls does, and it stops again once their last timers are gone.
    @Test func anIdleEngineDoesNotTick() async throws {
        let flow = try Self.flow("basic-call")
        let shortTimers = { (c: inout EngineConfiguration) in
            c.transactions.t1 = .milliseconds(5)  // timer J (64·T1) ends the BYE's transaction soon
            c.transactions.t4 = .milliseconds(50)
        }
        let server = try await Self.startServer(flow, tweak: shortTimers)
        try await Task.sleep(for: .milliseconds(50))
        let idle = await server.ticks()
        try await Task.sleep(for: .milliseconds(300))
        let stillIdle = await server.ticks()
        #expect(stillIdle == idle, "no calls, no timers: no tick (a 500 µs tick would have run 600 times)")

        let client = try await Self.startClient(flow, calling: server, rate: 100, calls: 10, tweak: shortTimers)
        try await Self.waitFinished(client)
        #expect(await client.collect().interval.completed == 10)
        let (clientTicks, serverTicks) = (await client.ticks(), await server.ticks())
        #expect(clientTicks > 0 && serverTicks > idle, "calls and their timers need ticks")

        // Once the last transactions have ended (timer K, 50 ms; the reaps of released calls are cancelled), both
        // go quiet.
        var quiet = false
        let settle = ContinuousClock.now + .seconds(3)
        while !quiet, ContinuousClock.now < settle {
            let (c, s) = (await client.ticks(), await server.ticks())
            try await Task.sleep(for: .milliseconds(100))
            let (c2, s2) = (await client.ticks(), await server.ticks())
            quiet = c2 == c && s2 == s
        }
        #expect(quiet, "ticks stop once nothing is pending")
        await client.shutdown()
        await server.shutdown()
    }

    /// A timer fires on time though the next tick was armed far off for the next call's start (1 s away at 1 call/s):
    /// the first call's 50 ms pause ends and it completes long before the second call starts.
    @Test func timersFireOnTimeBetweenSparseStarts() async throws {
        let flow = try Self.flow("basic-call")
        let server = try await Self.startServer(flow)
        let started = ContinuousClock.now
        let client = try await Self.startClient(flow, calling: server, rate: 1, calls: 2)
        var completed: UInt64 = 0
        while completed == 0, ContinuousClock.now < started + .seconds(3) {
            try await Task.sleep(for: .milliseconds(10))
            completed += await client.collect().interval.completed
        }
        let took = ContinuousClock.now - started
        #expect(completed == 1)
        #expect(took < .milliseconds(600), "the first call (a 50 ms pause) took \(took)")
        await client.shutdown()
        await server.shutdown()
    }

    /// A finished call is let go of once its last transaction has ended (here the BYE's, timer K = T4 = 100 ms
    /// on the caller; the INVITE's Accepted state ends with the BYE), not 64·T1 + 1 s (33 s) after it ended.
    @Test func finishedCallsAreReleasedWhenTheirTransactionsEnd() async throws {
        let flow = try Self.flow("basic-call")
        let server = try await Self.startServer(flow) { $0.transactions.t4 = .milliseconds(100) }
        let client = try await Self.startClient(flow, calling: server, rate: 100, calls: 10) {
            $0.transactions.t4 = .milliseconds(100)
        }
        try await Self.waitFinished(client)
        let stats = await client.collect().interval
        #expect(stats.completed == 10, "failures: \(stats.failures)")
        var held = await client.callsHeld()
        let released = ContinuousClock.now + .seconds(3)
        while held > 0, ContinuousClock.now < released {
            try await Task.sleep(for: .milliseconds(50))
            held = await client.callsHeld()
        }
        // The callee lets go of its calls too, but keeps each one's 200 to the BYE, to answer repeated BYEs for
        // timer J (64·T1 = 32 s).
        let (calleeHeld, calleeLingering) = (await server.callsHeld(), await server.callsLingering())
        await client.shutdown()
        await server.shutdown()
        #expect(held == 0, "the caller still holds \(held) ended calls")
        #expect(calleeHeld == 0, "the callee still holds \(calleeHeld) ended calls")
        #expect(calleeLingering == 10)
    }

    /// A call holds its shard (`Call.shard`), and the shard its calls: shutting down lets go of the calls still in
    /// progress, so an engine run in a long-lived process does not keep them.
    @Test func shutdownLetsGoOfTheCallsInProgress() async throws {
        let (silent, aimed) = try await Self.optionsToASilentPeer()
        var config = aimed
        config.rate = RateController(rate: 1000, maxCalls: 3)
        var engine: Engine? = Engine(configuration: config)
        try await engine!.start()
        let deadline = ContinuousClock.now + .seconds(5)
        while await engine!.callsHeld() < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let calls = WeakCalls()
        let driver = engine!.drivers[0]
        try await driver.loop.submit { calls.hold(driver.shard.calls.values) }.get()
        #expect(calls.alive == 3, "the silent peer's calls are all in progress")
        await engine!.shutdown()
        engine = nil
        try await silent.close()
        #expect(calls.alive == 0, "\(calls.alive) calls outlived their engine")
    }

    /// A socket that answers nothing, and an initiator of the `options` flow aimed at it (its rate left to set).
    static func optionsToASilentPeer() async throws -> (UDPEndpoint, EngineConfiguration) {
        let flow = try Self.flow("options")
        let silent = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0),
                                                on: NIOSingletons.posixEventLoopGroup) { _, _ in }
        let config = EngineConfiguration(role: .initiator, flowName: flow.name, program: flow.initiatorProgram,
                                         target: silent.localAddress, requestURI: "sip:svc@127.0.0.1",
                                         bindAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        return (silent, config)
    }

    @Test func aSilentPeerTimesOutWithRetransmissions() async throws {
        // Nothing listens on this port: the OPTIONS is retransmitted (timer E) until timer F.
        let (silent, aimed) = try await Self.optionsToASilentPeer()
        var config = aimed
        config.rate = RateController(rate: 10, maxCalls: 1)
        config.transactions.t1 = .milliseconds(10)
        config.transactions.t2 = .milliseconds(40)
        let engine = Engine(configuration: config)
        try await engine.start()
        try await Self.waitFinished(engine)
        let stats = await engine.collect().interval
        await engine.shutdown()
        try await silent.close()
        #expect(stats.failed == 1)
        #expect(stats.failures == [.retransmissionsExhausted: 1])
        // 64·T1 = 640 ms with E at 10, 20, 40, 40, … ms: 16 retransmissions on an idle machine; a loaded one
        // fires late timers late, so ask only for several.
        #expect(stats.retransmissions >= 4)
    }
}

/// Weak references to calls, to tell whether anything still holds them.
final class WeakCalls: @unchecked Sendable {
    // @unchecked: written on a shard's loop, read after that work has been waited for.
    private var references: [() -> AnyObject?] = []

    func hold(_ calls: [Call]) {
        references = calls.map { call in { [weak call] in call } }
    }

    var alive: Int { references.filter { $0() != nil }.count }
}

/// Keeps every message the engines sent and received, in order.
final class RecordingTap: SIPTap {
    private let recorded = Mutex<[SIPTapEvent]>([])

    func record(_ event: SIPTapEvent) { recorded.withLock { $0.append(event) } }

    var events: [SIPTapEvent] { recorded.withLock { $0 } }
}
