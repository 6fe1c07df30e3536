import NIOCore
import Synchronization
import NIOPosix
import SIPConformance
import SIPCore
import SIPFlow
import SIPTransaction
import SIPTransport

/// One event loop's share of a run: its calls, its timer wheel, its call starts and its statistics.
///
/// The shard touches no socket, no event loop and no clock itself: those are its `host`'s (`ShardHost`), in a run a
/// `ShardDriver` with an event loop and a UDP socket, in tests a host of the test's own. The host feeds it events
/// (a datagram, a tick, a start wake-up), each with the instant it happened, and takes what it sends.
///
/// Shared-nothing: calls are sharded by socket (the initiator binds one port per shard; the responder's shards share
/// a port through SO_REUSEPORT), so everything here is touched only on the host's thread.
final class Shard: @unchecked Sendable {
    // @unchecked: all mutable state is confined to the host's thread; the engine reaches it only through its loop.
    let index: Int
    let count: Int
    /// The world outside the shard. Strong: it is read for every message (see `Call.shard`); `halt()` breaks the
    /// cycle with the driver.
    var host: any ShardHost = HaltedHost.shared
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
    let target: Destination?
    let conformance: EngineConfiguration.ConformanceMode
    /// Whether the socket is read in batches (see `EngineConfiguration.batchInterval`): then each tick also starts
    /// the calls that came due and reads the next burst.
    let paced: Bool
    let batchInterval: Duration

    var advertisedHost = "127.0.0.1" {
        didSet { advertisedHostBytes = Array(advertisedHost.utf8) }
    }
    /// `advertisedHost`'s bytes, for the Call-IDs of the calls it starts.
    private(set) var advertisedHostBytes = Array("127.0.0.1".utf8)
    /// `advertisedHost` as a URI host: an IPv6 address in brackets. Worked out once, not per message.
    var uriHost = "127.0.0.1"
    var localPort = 0
    /// The transport our endpoint speaks, for Via and for destinations that name none.
    var transport = SIPTransportKind.udp
    var contact = ""
    /// `SIP/2.0/UDP host:port;branch=`: our Via value up to its branch, with the sending transport's token.
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
    var destinations: [String: Destination] = [:]
    /// Host names learned in dialogs, resolved off the loop, and the messages waiting for one (see
    /// Shard+Resolution.swift).
    var resolvedNames: [NamedServer: Result<SocketAddress, NameResolution.Failure>] = [:]
    var heldForNames: [NamedServer: [InboundMessage]] = [:]
    /// The IDs of the rules the checks found on the message being handled, for the tap (kept only while the host
    /// taps; see `tapReceived`).
    var rulesOfMessage: [String] = []
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
    /// When the pending tick (see `tickFired`) fires (`.max` when none is pending).
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

    /// `start` is when the timer wheel starts turning (the host's clock now).
    init(index: Int, count: Int, configuration: EngineConfiguration, processActive: ActiveCallCounter,
         schedule: CallClaims = CallClaims(), start: SIPInstant = ShardDriver.now()) {
        self.index = index
        self.count = count
        self.configuration = configuration
        self.program = configuration.program
        self.steps = configuration.program.instructions.map(CallStep.init)
        self.firstExpectedMethod = configuration.program.firstExpectedMethod
        self.defaultTimeout = configuration.effectiveDefaultTimeout
        self.processActive = processActive
        self.schedule = schedule
        self.transactions = configuration.transactions
        // Each shard copies the address for every call (see `unshared`).
        self.target = configuration.target.map { Destination(.udp, $0.unshared) }
        self.conformance = configuration.conformance
        self.batchInterval = configuration.batchInterval
        self.paced = configuration.batchInterval > .zero
        self.ids = IdentifierGenerator(shard: index)
        self.calls = CallIDTable(localPrefix: ids.prefix)
        self.nextCall = index
        self.helpAfter = max(configuration.batchInterval, Shard.startBatchWindow) * 2
        self.wheel = TimerWheel(resolution: .milliseconds(1), slots: 8192, start: start)
    }

    /// Works out what our messages name as our address (Via sent-by, Contact, From) from the socket's, and the
    /// Via's transport token from the transport that sends them (RFC 3261 §18.1.1, §20.42).
    func advertise(ip: String, port: Int, transport: SIPTransportKind = .udp) {
        localPort = port
        self.transport = transport
        advertisedHost = configuration.advertisedHost ?? (ip == "0.0.0.0" || ip == "::" ? "127.0.0.1" : ip)
        uriHost = advertisedHost.contains(":") ? "[\(advertisedHost)]" : advertisedHost
        let transportParameter = transport == .udp ? "" : ";transport=\(transport.rawValue.lowercased())"
        contact = "<sip:\(configuration.localUser)@\(uriHost):\(localPort)\(transportParameter)>"
        viaPrefix = Array("SIP/2.0/\(transport.rawValue) \(uriHost):\(localPort);branch=".utf8)
        preparedRequests = PreparedRequest.all(in: program, on: self)
        preparedResponses = PreparedResponse.all(in: program, on: self)
    }

    /// Starts the timer tick and, for the initiator, the call schedule. Runs on the host's thread.
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
    func armTick(after delay: Duration) { armTick(at: host.now() + delay) }

    /// Makes sure a tick comes by `at`.
    func armTick(at: SIPInstant) {
        guard at < tickAt, !halted else { return }
        tickAt = at
        host.wakeUp(at: at)
    }

    /// The host can wake the shard no more (its loop is shutting down).
    func loopEnded() { tickAt = .max }

    /// The shard's tick comes only while there is something to do: while reading is paused after a burst (every batch
    /// interval), when calls are due to start (paced), while calls are held back or being ended, and while timers are
    /// pending (every millisecond). An idle shard does not wake up; a datagram, a timer or a call start arms the tick
    /// again.
    func tickFired() {
        tickAt = .max
        ticks += 1
        runTimers()
        if paced, nextStartDue != .max { armTick(at: nextStartWakeUp) }
        if paced, host.readsPaused {
            armTick(after: batchInterval)
        } else if blocked || !abortQueue.isEmpty {
            armTick(after: paced ? batchInterval : Shard.timerResolution)
        } else if !wheel.isEmpty {
            armTick(after: Shard.timerResolution)
        }
        if let next = lingeringOrder.first?.until { armTick(at: Swift.max(next, host.now() + Shard.lingeringResolution)) }
    }

    /// Stops the tick for good (the engine is shutting down), and lets go of the calls still held, which hold the
    /// shard (see `Call.shard`), and of the host, which holds it too.
    func halt() {
        halted = true
        host.cancelWakeUp()
        let now = host.now()
        host = HaltedHost.shared
        calls = CallIDTable(localPrefix: ids.prefix)
        wheel = TimerWheel(resolution: .milliseconds(1), slots: 8, start: now)
        abortQueue = []
        fired = []
    }

    /// Takes a timer out of the wheel before it fires, so that neither its node nor the call it holds waits for it.
    func cancel(_ timer: TimerHandle) { wheel.cancel(timer) }

    /// What a tick does: runs due timers, starts due calls (paced) and lets the socket read the datagrams that
    /// arrived since the last burst.
    func runTimers() {
        let now = host.now()
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
            host.resumeReading()
        }
        host.flush()
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
        let due = nextStartWakeUp
        if let armed = startWakeUp, armed <= due { return }  // an earlier wake-up will see to it
        startWakeUp = due
        host.wakeForStarts(at: due)
    }

    /// When to wake up for the next start: when it is due, but not sooner than `startBatchWindow` after the last
    /// wake-up that started calls.
    var nextStartWakeUp: SIPInstant { max(nextStartDue, lastStartBatch + Shard.startBatchWindow) }

    /// The wake-up `scheduleNextStart` asked the host for (a shard that is not paced).
    func startWakeUpFired() {
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
        let now = host.now()
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
        if flush { host.flush() }
        if let oldest, let helper, now - oldest > helpAfter, now - askedForHelp > helpAfter {
            askedForHelp = now
            helper.host.later { helper.help() }  // on the helper's thread
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
        let now = host.now()
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
            host.later { [self] in startDueCalls() }
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

    /// Sends through the host (on the endpoint of the destination's transport: a destination the run has no
    /// transport for fails as a send does, see `sendFailed`). `call` is the number of the call it belongs to, for
    /// the tap; nil for a message of no call.
    func send(_ bytes: [UInt8], to destination: Destination, call: Int? = nil) {
        stats.messagesSent += 1
        host.send(bytes, to: destination, call: call)
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
    /// The transport is the URI's `transport` parameter, or TLS for a `sips:` URI, or the endpoint's (§18.1.1,
    /// §26.2.2); with UDP the only transport so far, a URI that names another fails the send.
    func destination(for dialog: Dialog) throws -> Destination {
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
        } else if let server = namedServer(uri) {
            address = try self.address(of: server)  // resolved before the message that named it was handled
        } else {
            throw EngineError("the URI \(uriText) has no host to send to")
        }
        let named = uri.parameter("transport").flatMap { SIPTransportKind(rawValue: $0.string.uppercased()) }
        let destination = Destination(named ?? (uri.isSIPS ? .tls : transport), address)
        destinations[uriText] = destination
        return destination
    }

    // MARK: Receiving

    /// Handles a datagram read; `held` when it comes again after waiting for a name (see `holdsForNames`).
    func handle(_ inbound: InboundMessage, held: Bool = false) {
        if !held { stats.messagesReceived += 1 }
        let now = host.now()
        let message: SIPMessage
        do {
            message = try parser.parse(inbound.bytes)
        } catch {
            unparsable(inbound, error)
            if host.tapping { tapReceived(inbound, call: nil) }
            return
        }
        guard let callID = message.callID else {
            messagesOutOfCalls &+= 1
            if host.tapping { tapReceived(inbound, call: nil) }
            return
        }
        if holdsForNames(message, inbound) { return }
        // Nothing was sent so far; what is sent from here on is told to the tap after this message.
        if host.tapping { host.tapHandling(inbound) }
        let source = Destination(inbound.transport, inbound.source)
        var number: Int?
        if let call = calls[callID] {
            number = call.number
            call.receive(message, from: source, at: now)
        } else if !lingering.isEmpty, let ended = lingering[callID] {
            number = ended.number
            answerAgain(message, ended)
        } else {
            handleOutOfCall(message, from: source, at: now)
            if host.tapping { number = calls[callID]?.number }  // a call it started
        }
        if host.tapping { tapReceived(inbound, call: number) }
        if now >= nextStartDue, !blocked { startDueCalls(flush: false) }
    }
}

extension Shard {
    /// Tells the tap of a message received, with its call's number and the rules found on it.
    func tapReceived(_ inbound: InboundMessage, call: Int?) {
        host.tapped(received: inbound, call: call, rules: rulesOfMessage)
        rulesOfMessage.removeAll(keepingCapacity: true)
    }

    /// Notes a rule found on the message being handled, for the tap.
    func noteRule(_ id: String) {
        if host.tapping { rulesOfMessage.append(id) }
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
