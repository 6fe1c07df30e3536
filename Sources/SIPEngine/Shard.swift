import NIOCore
import Synchronization
import NIOPosix
import SIPConformance
import SIPCore
import SIPFlow
import SIPTransaction
import SIPTransport

/// One event loop's share of a run: its socket, its calls, its timer wheel and its statistics.
///
/// Shared-nothing: calls are sharded by socket (the initiator binds one port per shard; the responder's shards share
/// a port through SO_REUSEPORT), so everything here is touched only on `loop`.
final class Shard: @unchecked Sendable {
    // @unchecked: all mutable state is confined to `loop`; the engine reaches it only through `loop.submit`.
    let index: Int
    let count: Int
    let loop: any EventLoop
    let configuration: EngineConfiguration
    let program: PartyProgram
    /// `program`'s instructions as calls run them (see `CallStep`).
    let steps: [CallStep]
    /// The method of the request that opens a call of the responder's program (nil when it starts by sending).
    let firstExpectedMethod: SIPMethod?
    let defaultTimeout: Duration
    /// Calls in progress in the whole process, for `--max-concurrent`: shards of a responder do not get equal
    /// shares of the calls (SO_REUSEPORT hashes by address), so the limit cannot be split between them.
    let processActive: ActiveCallCounter
    /// The initiator's next call to start, shared by its shards (see `startDueCalls`).
    let schedule: CallClaims
    /// The shard this one asks for help when it falls behind the schedule (see `startDueCalls`); nil for the last.
    var helper: Shard?
    /// Values of `configuration` read per message, copied out once: reading them through the configuration copies
    /// the whole struct in some paths.
    let transactions: TransactionConfiguration
    let target: SocketAddress?
    let conformance: EngineConfiguration.ConformanceMode
    /// Whether the socket is read in batches (see `EngineConfiguration.batchInterval`): then each tick also starts
    /// the calls that came due and reads the next burst.
    let paced: Bool
    let batchInterval: Duration

    var endpoint: UDPEndpoint?
    var advertisedHost = "127.0.0.1" {
        didSet { advertisedHostBytes = Array(advertisedHost.utf8) }
    }
    /// `advertisedHost`'s bytes, for the Call-IDs of the calls it starts.
    private(set) var advertisedHostBytes = Array("127.0.0.1".utf8)
    /// `advertisedHost` as a URI host: an IPv6 address in brackets. Worked out once, not per message.
    var uriHost = "127.0.0.1"
    var localPort = 0
    var contact = ""
    /// `SIP/2.0/UDP host:port;branch=`: our Via value up to its branch.
    var viaPrefix: [UInt8] = []
    /// The flow's request steps prepared for this shard's address, by step (see `PreparedRequest`).
    var preparedRequests: [PreparedRequest?] = []
    /// The flow's response steps prepared for this shard's address, by step (see `PreparedResponse`).
    var preparedResponses: [PreparedResponse?] = []
    var ids: IdentifierGenerator
    var random = SystemRandomNumberGenerator()
    /// The calls in progress, by Call-ID; the ones this shard started are placed by their number (see
    /// `CallIDTable`).
    var calls: CallIDTable<Call>
    /// Calls that have ended, by Call-ID, while their non-INVITE server transactions wait out timer J (see
    /// `linger`), and the order they end in.
    var lingering = CallIDTable<LingeringCall>()
    var lingeringOrder = LingeringOrder()
    /// Messages received so far that belong to no call and start none (a load balancer's OPTIONS, strays, what
    /// does not parse): a run that has done its work does not take them for its peer re-sending (see
    /// `Engine.obligations`). Counted off the per-message path, in `handleOutOfCall`.
    var messagesOutOfCalls: UInt64 = 0
    var wheel: TimerWheel<TimerEvent>
    var fired: [TimerEvent] = []
    /// Statistics since the engine last collected them.
    var stats = CallStatistics()
    /// The values the conformance checks found well formed in this shard's earlier messages.
    var checkMemo = CheckMemo()
    var active = 0
    var sequenceValue: UInt64 = 0
    let parser = SIPParser()
    var destinations: [String: SocketAddress] = [:]
    /// One copy of the URIs and route sets the calls' dialogs hold alike.
    var strings = StringPool()

    // Starting calls (initiator).
    var origin = SIPInstant.zero
    /// The number of the responder's next call (the initiator's come from `schedule`).
    var nextCall: Int
    /// How late the calls this shard starts may be before it asks its helper for help (see `startDueCalls`).
    let helpAfter: Duration
    /// Until when this shard, not the first, takes calls from the schedule: `Shard.helpFor` after the shard before
    /// it last asked.
    var helpingUntil = SIPInstant.zero
    /// When this shard last asked its helper for help.
    var askedForHelp = SIPInstant.zero
    var startsDone = false
    var blocked = false
    var stopping = false
    /// The pending tick (see `tickFired`) and when it fires (`.max` when none is pending). A scheduled callback with
    /// the shard as its handler, not a scheduled task: a task allocates a promise, a future and a closure each time,
    /// and fails the promise when cancelled.
    var tick: NIOScheduledCallback?
    var tickAt = SIPInstant.max
    /// Set once the engine shuts down: no more ticks.
    var halted = false
    /// Ticks so far (for tests: an idle shard does not tick).
    var ticks = 0
    /// When calls were last started (see `scheduleNextStart`).
    var lastStartBatch = SIPInstant.zero
    /// When the next call is due to start (`.max` when none is), and when the pending wake-up for starts fires.
    var nextStartDue = SIPInstant.max
    var startWakeUp: SIPInstant?
    /// Calls still to end after a stop (see `Engine.abortCalls`).
    var abortQueue: [Call] = []
    /// How many calls a shard ends per millisecond when stopping: 5,000 a second.
    static let abortsPerTick = 5

    init(index: Int, count: Int, loop: any EventLoop, configuration: EngineConfiguration,
         processActive: ActiveCallCounter, schedule: CallClaims = CallClaims()) {
        self.index = index
        self.count = count
        self.loop = loop
        self.configuration = configuration
        self.program = configuration.program
        self.steps = configuration.program.instructions.map(CallStep.init)
        self.firstExpectedMethod = configuration.program.firstExpectedMethod
        self.defaultTimeout = configuration.effectiveDefaultTimeout
        self.processActive = processActive
        self.schedule = schedule
        self.transactions = configuration.transactions
        self.target = configuration.target?.unshared  // each shard copies it for every call (see `unshared`)
        self.conformance = configuration.conformance
        self.batchInterval = configuration.batchInterval
        self.paced = configuration.batchInterval > .zero
        self.ids = IdentifierGenerator(shard: index)
        self.calls = CallIDTable(localPrefix: ids.prefix)
        self.nextCall = index
        self.helpAfter = max(configuration.batchInterval, Shard.startBatchWindow) * 2
        self.wheel = TimerWheel(resolution: .milliseconds(1), slots: 8192, start: Shard.now())
    }

    static func now() -> SIPInstant { SIPInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }

    func attach(_ endpoint: UDPEndpoint) {
        self.endpoint = endpoint
        // A strong capture, which `halt()` breaks: a weak one would give the shard a side table, and every retain
        // and release of it would take the runtime's slow path (measured: about 5% of the caller's CPU).
        endpoint.onReadsPaused = { [self] in armTick(after: batchInterval) }
        advertise(ip: endpoint.localAddress.ipAddress ?? "127.0.0.1", port: endpoint.localAddress.port ?? 0)
    }

    /// Works out what our messages name as our address (Via sent-by, Contact, From) from the socket's.
    func advertise(ip: String, port: Int) {
        localPort = port
        advertisedHost = configuration.advertisedHost ?? (ip == "0.0.0.0" || ip == "::" ? "127.0.0.1" : ip)
        uriHost = advertisedHost.contains(":") ? "[\(advertisedHost)]" : advertisedHost
        contact = "<sip:\(configuration.localUser)@\(uriHost):\(localPort)>"
        viaPrefix = Array("SIP/2.0/UDP \(uriHost):\(localPort);branch=".utf8)
        preparedRequests = PreparedRequest.all(in: program, on: self)
        preparedResponses = PreparedResponse.all(in: program, on: self)
    }

    /// Starts the timer tick and, for the initiator, the call schedule. Runs on `loop`.
    func begin(origin: SIPInstant) {
        self.origin = origin
        if paced { armTick(after: batchInterval) }  // in case a burst came before `attach`
        if configuration.role == .initiator, let rate = configuration.rate {
            // A call is in the table for the flow's pauses. One that ends normally leaves at once (see
            // `Call.releaseIfQuiet(at:)`), but one that ends with transactions still running stays up to 64·T1 + 1 s
            // (see `Call.finish`): size the table for that worst case at the peak rate, so it does not rehash hundreds
            // of thousands of calls mid-run (a pause of tens of milliseconds that delays every call start behind it).
            var linger = transactions.t1Times64 + .seconds(2)
            for case .pause(let delay) in program.instructions { linger += delay.upperBound }
            // The first shard starts every call it keeps up with (see `startDueCalls`), the others a share at most.
            let share = index == 0 ? 1 : Double(count)
            let expected = max(rate.from, rate.to) / share * linger.seconds
            let callsOfShard = rate.maxCalls.map { Double($0) / share + 1 } ?? expected  // never more than these
            calls.reserveCapacity(Int(min(expected, callsOfShard, Double(1 << 21))))
            scheduleNextStart()
        } else {
            // The responder does not know the rate: size the table for its share of --max-concurrent, and as much
            // for the ended calls that linger for timer J (each call's BYE leaves one, for 64·T1; see `linger`).
            let share = min(configuration.maxConcurrent / count + 1, 1 << 21)
            calls.reserveCapacity(share)
            lingering.reserveCapacity(share)
            startsDone = true
        }
    }

    // MARK: Timers

    @discardableResult
    func schedule(_ kind: TimerEvent.Kind, for call: Call, after delay: Duration, from now: SIPInstant) -> TimerHandle {
        // An empty wheel may not have been advanced for a while (no tick comes while nothing is pending): bring it to
        // now first, which is O(1) when it is empty.
        if wheel.isEmpty { _ = wheel.advance(to: now) }
        armTick(at: now + delay)  // usually a tick comes sooner, and this is one comparison
        return wheel.schedule(TimerEvent(call: call, kind: kind), after: delay, from: now)
    }

    /// The timer wheel's resolution: how often the tick comes while timers are pending and nothing else is.
    static let timerResolution = Duration.milliseconds(1)

    /// Makes sure a tick comes within `delay` from now.
    func armTick(after delay: Duration) { armTick(at: Shard.now() + delay) }

    /// Makes sure a tick comes by `at`.
    func armTick(at: SIPInstant) {
        guard at < tickAt, !halted else { return }
        tick?.cancel()
        do {
            tick = try loop.scheduleCallback(at: .uptimeNanoseconds(at.nanoseconds), handler: self)
            tickAt = at
        } catch {
            tick = nil  // the loop is shutting down: no more ticks
            tickAt = .max
        }
    }

    /// The shard's tick comes only while there is something to do: while reading is paused after a burst (every batch
    /// interval), when calls are due to start (paced), while calls are held back or being ended, and while timers are
    /// pending (every millisecond). An idle shard does not wake up; a datagram, a timer or a call start arms the tick
    /// again.
    func tickFired() {
        tick = nil
        tickAt = .max
        ticks += 1
        runTimers()
        if paced, nextStartDue != .max { armTick(at: nextStartWakeUp) }
        if paced, endpoint?.readsPaused == true {
            armTick(after: batchInterval)
        } else if blocked || !abortQueue.isEmpty {
            armTick(after: paced ? batchInterval : Shard.timerResolution)
        } else if !wheel.isEmpty {
            armTick(after: Shard.timerResolution)
        }
        if let next = lingeringOrder.first?.until { armTick(at: Swift.max(next, Shard.now() + Shard.lingeringResolution)) }
    }

    /// Stops the tick for good (the engine is shutting down), and lets go of the calls still held, which hold the
    /// shard (see `Call.shard`).
    func halt() {
        halted = true
        endpoint?.onReadsPaused = nil
        tick?.cancel()
        tick = nil
        calls = CallIDTable(localPrefix: ids.prefix)
        wheel = TimerWheel(resolution: .milliseconds(1), slots: 8, start: Shard.now())
        abortQueue = []
        fired = []
    }

    /// Takes a timer out of the wheel before it fires, so that neither its node nor the call it holds waits for it.
    func cancel(_ timer: TimerHandle) { wheel.cancel(timer) }

    /// What a tick does: runs due timers, starts due calls (paced) and lets the socket read the datagrams that
    /// arrived since the last burst.
    func runTimers() {
        let now = Shard.now()
        wheel.advance(to: now, into: &fired)
        for event in fired { event.call.timerFired(event.kind, at: now) }
        fired.removeAll(keepingCapacity: true)
        if !lingering.isEmpty { forgetLingering(at: now) }
        if blocked, !stopping {
            // Held back by --max-concurrent, which calls ending on any shard may have freed.
            blocked = false
            startDueCalls()
        }
        var ended = 0
        while ended < Shard.abortsPerTick, let call = abortQueue.popLast() {
            if !call.finished {
                call.abort(at: now)
                call.releaseIfQuiet(at: now)
                ended += 1
            }
        }
        if paced {
            if now >= nextStartDue, !blocked { startDueCalls(flush: false) }
            endpoint?.resumeReading()
        }
        endpoint?.flush()
    }

    // MARK: Starting calls

    /// Arms the wake-up for the next call's start. Starts due closer together than `startBatchWindow` share one
    /// wake-up: at high rates a timer per call costs more (a scheduled task, a timerfd re-arm, a loop wake-up) than
    /// the call itself, while a call's lateness stays under the window. When the shard is paced, the wake-up is its
    /// tick, which also reads the socket.
    ///
    /// Messages arriving in between also start the calls that have come due (see `handle`), so a burst of reads
    /// does not hold back a start until the wake-up.
    func scheduleNextStart() {
        guard !stopping, let rate = configuration.rate, let t = rate.startTime(ofCall: schedule.next) else {
            startsDone = true
            nextStartDue = .max
            return
        }
        guard takesStarts(at: lastStartBatch) else {
            nextStartDue = .max  // a helper waits to be asked
            return
        }
        nextStartDue = origin + .nanoseconds(Int64(t * 1e9))
        if paced {
            armTick(at: nextStartWakeUp)  // the tick starts due calls
            return
        }
        let now = Shard.now()
        let due = nextStartWakeUp
        if let armed = startWakeUp, armed <= due { return }  // an earlier wake-up will see to it
        startWakeUp = due
        if due <= now {
            loop.execute { [self] in startWakeUpFired() }
        } else {
            do {
                _ = try loop.scheduleCallback(at: .uptimeNanoseconds(due.nanoseconds), handler: StartWakeUp(shard: self))
            } catch {
                startWakeUp = nil  // the loop is shutting down
            }
        }
    }

    /// The wake-up for call starts of a shard that is not paced (see `scheduleNextStart`).
    private struct StartWakeUp: NIOScheduledCallbackHandler, Sendable {
        let shard: Shard
        func handleScheduledCallback(eventLoop: some EventLoop) { shard.startWakeUpFired() }
    }

    /// When to wake up for the next start: when it is due, but not sooner than `startBatchWindow` after the last
    /// wake-up that started calls.
    var nextStartWakeUp: SIPInstant { max(nextStartDue, lastStartBatch + Shard.startBatchWindow) }

    private func startWakeUpFired() {
        startWakeUp = nil
        startDueCalls()
    }

    /// The shortest time between two wake-ups that start calls (see `scheduleNextStart`).
    static let startBatchWindow = Duration.microseconds(500)

    /// Starts the calls that have come due. `flush: false` leaves what they sent to the caller's flush (a read
    /// burst flushes once when it completes).
    ///
    /// The shards share one schedule and take its calls in turn, each call once. The first shard takes calls all the
    /// time. When the calls it starts are more than `helpAfter` late, it asks the next shard for help, and that one
    /// takes calls too for `Shard.helpFor`; it asks the one after it in the same way. So a rate one thread keeps up
    /// with runs on one thread, with fuller batches and fewer wake-ups than two threads sharing it, and a rate it
    /// cannot keep up with spreads over the threads.
    func startDueCalls(flush: Bool = true) {
        guard !stopping, let rate = configuration.rate else { return }
        let now = Shard.now()
        lastStartBatch = now
        guard takesStarts(at: now) else {
            scheduleNextStart()
            return
        }
        var started = 0
        var oldest: SIPInstant?  // when the first call started here was due
        while true {
            let number = schedule.next
            guard let t = rate.startTime(ofCall: number) else { break }
            let due = origin + .nanoseconds(Int64(t * 1e9))
            guard due <= now else { break }
            guard processActive.tryStart(limit: configuration.maxConcurrent) else {
                blocked = true
                armTick(after: paced ? batchInterval : Shard.timerResolution)  // the tick tries again
                return
            }
            guard schedule.claim(number) else {  // another shard took it first
                processActive.end()
                continue
            }
            startCall(number: number, scheduled: due, at: now)
            if oldest == nil { oldest = due }
            started += 1
            if started >= 256 { break }  // let reads and timers run between bursts
        }
        if flush { endpoint?.flush() }
        if let oldest, let helper, now - oldest > helpAfter, now - askedForHelp > helpAfter {
            askedForHelp = now
            helper.loop.execute { helper.help() }
        }
        scheduleNextStart()
    }

    /// Whether this shard will start no more calls: it was stopped, or the schedule is over (a shard that is not
    /// helping does not look at the schedule, so `startsDone` alone would not say).
    var startsOver: Bool {
        startsDone || configuration.rate.map { $0.startTime(ofCall: schedule.next) == nil } ?? true
    }

    /// Whether this shard takes calls from the schedule at `now`: the first always, the others while helping.
    func takesStarts(at now: SIPInstant) -> Bool { index == 0 || now < helpingUntil }

    /// The shard before this one has fallen behind the schedule: take calls from it too, for `Shard.helpFor`.
    func help() {
        guard !startsDone, !halted else { return }
        let now = Shard.now()
        let helping = takesStarts(at: now)
        helpingUntil = now + Shard.helpFor
        if !helping { startDueCalls() }
    }

    /// How long a shard helps after it was last asked (see `startDueCalls`).
    static let helpFor = Duration.milliseconds(100)

    func startCall(number: Int, scheduled: SIPInstant, at now: SIPInstant) {
        guard let target else { return }
        let callID = ids.callID(host: advertisedHostBytes)
        let call = Call(shard: self, number: number, callID: callID, localTag: ids.tag(), peer: target,
                        scheduled: scheduled, dataRow: configuration.data?.row(forCall: number) ?? [])
        calls.insert(call)
        active += 1  // processActive was counted by tryStart
        stats.started += 1
        stats.record(.lateness, now - scheduled)
        stats.lastStartOffset = now - origin
        call.advance(at: now)
        call.releaseIfQuiet(at: now)
    }

    func callEnded(_ call: Call, failure: FailureReason?, detail: String, at now: SIPInstant) {
        active -= 1
        processActive.end()
        if let failure { stats.fail(failure, example: detail) } else { stats.completed += 1 }
        if blocked, !stopping {
            blocked = false
            loop.execute { [self] in startDueCalls() }
        }
    }

    /// Takes `call` out of the table (not a newer call that reuses its Call-ID).
    func remove(_ call: Call) {
        calls.remove(call.callID) { $0 === call }
    }

    func nextSequenceValue() -> UInt64 {
        sequenceValue += 1
        return sequenceValue
    }

    // MARK: Sending

    func send(_ bytes: [UInt8], to destination: SocketAddress) {
        stats.messagesSent += 1
        endpoint?.send(bytes, to: destination, flush: false)
    }

    /// The request step `template` prepared for this shard's address.
    func prepared(_ template: MessageTemplate) -> PreparedRequest? { prepared(step: template.step) }

    /// The request step numbered `step` prepared for this shard's address.
    func prepared(step: Int) -> PreparedRequest? {
        step < preparedRequests.count ? preparedRequests[step] : nil
    }

    /// The response step `template` prepared for this shard's address.
    func preparedResponse(_ template: MessageTemplate) -> PreparedResponse? {
        template.step < preparedResponses.count ? preparedResponses[template.step] : nil
    }

    /// Writes our Via value with a fresh branch (RFC 3261 §8.1.1.7) and rport (RFC 3581). Returns the branch's
    /// number, for `writeVia(into:branch:)`.
    @discardableResult
    func writeVia(into w: inout MessageWriter) -> UInt64 {
        w.append(viaPrefix)
        let branch = ids.writeBranch(into: &w)
        w.append(";rport")
        return branch
    }

    /// Writes our Via value again with the branch numbered `branch` by `writeVia(into:)`.
    func writeVia(into w: inout MessageWriter, branch: UInt64) {
        w.append(viaPrefix)
        ids.writeBranch(branch, into: &w)
        w.append(";rport")
    }

    /// Where an in-dialog request goes: the first route, or the remote target (RFC 3261 §12.2.1.1, §8.1.2).
    func destination(for dialog: Dialog) throws -> SocketAddress {
        let routing = dialog.routing
        var uriText = routing.requestURI
        if let first = routing.routes.first, let na = try? NameAddress.parse(ByteString(first)) { uriText = na.uri.string }
        if let cached = destinations[uriText] { return cached }
        let uri = try SIPURI.parse(ByteString(uriText))
        guard let host = uri.host?.string else { throw EngineError("the URI \(uriText) has no host to send to") }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let port = uri.port ?? (uri.isSIPS ? 5061 : 5060)
        let address: SocketAddress
        if let ip = try? SocketAddress(ipAddress: bare, port: port) {
            address = ip
        } else {
            address = try SocketAddress.makeAddressResolvingHost(bare, port: port)
        }
        destinations[uriText] = address
        return address
    }

    // MARK: Receiving

    func handle(_ inbound: InboundMessage) {
        stats.messagesReceived += 1
        let now = Shard.now()
        let message: SIPMessage
        do {
            message = try parser.parse(inbound.bytes)
        } catch {
            unparsable(inbound, error)
            return
        }
        guard let callID = message.callID else {
            messagesOutOfCalls &+= 1
            return
        }
        if let call = calls[callID] {
            call.receive(message, from: inbound.source, at: now)
        } else if !lingering.isEmpty, let ended = lingering[callID] {
            answerAgain(message, ended)
        } else {
            handleOutOfCall(message, from: inbound.source, at: now)
        }
        if now >= nextStartDue, !blocked { startDueCalls(flush: false) }
    }
}

typealias TimerHandle = TimerWheel<TimerEvent>.Handle

/// A timer of a call, as the shard's wheel holds it.
struct TimerEvent: @unchecked Sendable {
    // @unchecked: `Call` is a class confined to its shard's loop, and so is the wheel holding this event.
    enum Kind {
        case pauseEnd(UInt32)
        case expectTimeout(UInt32)
        case client(step: Int, TransactionTimer)
        case server(step: Int, TransactionTimer)
        case reap
    }

    let call: Call
    let kind: Kind
}

extension Shard: NIOScheduledCallbackHandler {
    /// The tick (see `armTick`).
    func handleScheduledCallback(eventLoop: some EventLoop) { tickFired() }
}

/// The number of the initiator's next call to start, which its shards take in turn (see `Shard.startDueCalls`). One
/// atomic, touched once a call; while the first shard keeps up, only its thread touches it.
final class CallClaims: Sendable {
    private let value = Atomic<Int>(0)

    init() {}

    /// The next call no shard has taken.
    var next: Int { value.load(ordering: .relaxed) }

    /// Takes call `number` if it is still the next one.
    func claim(_ number: Int) -> Bool {
        value.compareExchange(expected: number, desired: number + 1, ordering: .relaxed).exchanged
    }
}

/// The number of calls in progress across all shards: one atomic, touched once when a call starts and once when it
/// ends.
final class ActiveCallCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// Counts a new call if fewer than `limit` are in progress.
    func tryStart(limit: Int) -> Bool {
        var current = value.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = value.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func end() { value.subtract(1, ordering: .relaxed) }
}
