import Foundation
import Logging
import SIPEngine
import SIPTransport
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A run of the engine — `sipflow run` or `sipflow serve` — from start to report, as services in one
/// `ServiceGroup`: the engine's run (`EngineService`), the reporters (`ReportService`: live view, CSV, the JSON
/// report and the summary) and the taps (`TapService`: `--trace`, later pcap).
///
/// SIGINT or SIGTERM starts the graceful shutdown: no new calls; live calls are ended properly (BYE for an
/// established dialog, CANCEL for an unanswered INVITE, 500 for a request not answered yet); the run waits for
/// them at most `grace` (longer with many live calls: they are ended at 5,000 a second a thread), then the reports
/// are written and the taps flushed. A second signal ends the wait at once, still writing and flushing.
public struct CallRun: Sendable {
    public var configuration: EngineConfiguration
    public var reporter: RunReporter.Options
    public var parameters: RunParameters
    /// `serve --duration`, `serve --calls`.
    public var stopAfter: Duration?
    public var stopAfterCalls: Int?
    /// How long live calls get to end after the first signal.
    public var grace: Duration
    /// Flushed on every way out (the engine's `configuration.tap` is one of them, if set).
    public var taps: [any SIPTap]
    public var logger: Logger

    public init(configuration: EngineConfiguration, reporter: RunReporter.Options, parameters: RunParameters,
                stopAfter: Duration? = nil, stopAfterCalls: Int? = nil, grace: Duration = .seconds(5),
                taps: [any SIPTap] = [], logger: Logger) {
        self.configuration = configuration
        self.reporter = reporter
        self.parameters = parameters
        self.stopAfter = stopAfter
        self.stopAfterCalls = stopAfterCalls
        self.grace = grace
        self.taps = taps
        self.logger = logger
    }

    /// Exit codes (see README): 0 all good, 1 a --fail-if condition held, 2 bad input, 3 a runtime error.
    public enum Exit {
        public static let usageOrInput: Int32 = 2
        public static let runtime: Int32 = 3
    }

    /// Runs to the end and returns the exit code.
    public func run() async -> Int32 {
        let reporter: RunReporter
        do {
            reporter = try RunReporter(parameters: parameters, options: self.reporter)
        } catch {
            logger.error("\(error)")
            return Exit.usageOrInput
        }
        let engine = Engine(configuration: configuration)
        do {
            try await engine.start()
        } catch {
            logger.error("\(error)")
            await engine.shutdown()
            taps.forEach { $0.flush() }
            return Exit.runtime
        }
        if configuration.role == .responder {
            let addresses = engine.localAddresses.map(\.hostPort)
            logger.notice("listening on UDP \(Set(addresses).sorted().joined(separator: ", "))")
        }
        logger.debug("engine started: \(configuration.threads) thread(s), local \(engine.localAddresses.map { "\($0)" }.joined(separator: ", "))")
        let (events, continuation) = AsyncStream.makeStream(of: ReportService.Event.self, bufferingPolicy: .unbounded)
        let outcome = ExitBox(Exit.runtime)
        let run = EngineService(run: self, engine: engine, events: continuation)
        let report = ReportService(reporter: UnsafeSendable(reporter), events: events, exitCode: outcome)
        let group = ServiceGroup(configuration: .init(
            // Shut down in reverse order: the run ends its calls, the reports are written, then the taps flushed.
            // No service cancels the others when it ends: each ends only once the run has.
            services: [
                .init(service: TapService(taps: taps), successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: report, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: run, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigint, .sigterm],
            logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("\(error)")
        }
        return outcome.value.withLock { $0 }
    }
}

/// The engine's run: samples statistics once a second for the reporters, stops on the schedule's end, a limit or
/// the graceful shutdown (see `CallRun`), and hands the totals to the reporters.
struct EngineService: Service, CustomStringConvertible {
    var description: String { "the run" }
    let run: CallRun
    let engine: Engine
    let events: AsyncStream<ReportService.Event>.Continuation

    func run() async throws {
        let configuration = run.configuration
        let stop = StopFlags()
        await withGracefulShutdownHandler {
            await loop(configuration, stop: stop)
        } onGracefulShutdown: {
            stop.requested.store(true, ordering: .relaxed)
        }
    }

    /// What the shutdown asked for: the first signal a graceful stop, the second one at once.
    final class StopFlags: Sendable {
        let requested = Atomic<Bool>(false)
        let now = Atomic<Bool>(false)
    }

    private func loop(_ configuration: EngineConfiguration, stop: StopFlags) async {
        var total = CallStatistics()
        let clock = ContinuousClock()
        let start = clock.now
        var lastSample = start
        var stopStartedAt: ContinuousClock.Instant?
        var rateWindow: Duration?
        let memoryBaseline = ResidentMemory.bytes()
        var memoryPerDialog: Int?
        var peakActive = 0
        var stopGrace = run.grace
        var drainedAt: ContinuousClock.Instant?
        // Once the work is done (an initiator's schedule is over and its calls have ended, or a responder has
        // answered --calls calls), the process stays while the peer may still re-send a request whose answer was
        // lost: until nothing is owed to it, or it has been quiet for `quiet`. A peer re-sends a non-INVITE request
        // (and a 2xx) at most T2 apart (RFC 3261 §17.1.2.2, §13.3.1.4), so one quiet for T2 + T1 has had its answer,
        // unless the copy it sent last was lost as well.
        var settling: Settling?
        let quiet = configuration.transactions.t2 + configuration.transactions.t1
        // Signals, counted from the start: the group takes the first (the graceful stop); the second, however soon
        // it follows, ends the wait at once.
        let signals = Task {
            var seen = 0
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                seen += 1
                if seen >= 2 {
                    stop.now.store(true, ordering: .relaxed)
                    return
                }
            }
        }
        defer { signals.cancel() }

        while true {
            try? await Task.sleep(for: .milliseconds(100))
            let now = clock.now
            if stop.now.load(ordering: .relaxed) || Task.isCancelled {  // cancelled: sleeping would not wait
                run.logger.notice("stopping at once")
                rateWindow = rateWindow ?? now - start
                await endAtOnce(ending: stopStartedAt == nil)
                break
            }
            if stop.requested.load(ordering: .relaxed), stopStartedAt == nil {
                stopStartedAt = now
                rateWindow = now - start
                let perSecond = Double(5_000 * max(1, configuration.threads))
                stopGrace = run.grace + .seconds(Double(await engine.activeCalls()) / perSecond)
                run.logger.notice("stopping: no new calls; ending live calls (Ctrl-C again to end at once)")
                await engine.stopStarting()
                await engine.abortCalls()
            }
            var finished = false
            if configuration.role == .initiator, settling == nil, await engine.isFinished() {
                settling = Settling(since: now)
            }
            if var s = settling {
                // The work is done: stay while the peer may still re-send a request whose answer was lost.
                let (owed, sinceCollect, outOfCalls) = await engine.obligations()
                s.heard(total.messagesReceived &+ sinceCollect &- outOfCalls, at: now)
                settling = s
                if owed == 0 || now - s.lastHeard >= quiet { finished = true }
            }
            if let stopAfter = run.stopAfter, now - start >= stopAfter { finished = true }
            if let at = stopStartedAt, now - at >= stopGrace {
                run.logger.debug("the grace period is over")
                finished = true
            }
            if now - lastSample >= .seconds(1) || finished {
                let (interval, active) = await engine.collect()
                total.merge(interval)
                // Memory per dialog: resident growth over the baseline at the most concurrent dialogs seen (later,
                // fewer dialogs would share memory the allocator has not given back).
                if active >= 1000, active > peakActive, let base = memoryBaseline, let current = ResidentMemory.bytes() {
                    peakActive = active
                    memoryPerDialog = max(0, (current - base) / active)
                }
                events.yield(.snapshot(RunSnapshot(
                    elapsed: now - start, targetRate: configuration.rate?.rate(atSeconds: (now - start).seconds) ?? 0,
                    intervalSeconds: (now - lastSample).seconds, active: active, total: total, interval: interval,
                    memoryPerDialogBytes: memoryPerDialog)))
                lastSample = now
                if let stopAfterCalls = run.stopAfterCalls, settling == nil,
                   total.completed + total.failed >= UInt64(stopAfterCalls) {
                    await engine.stopStarting()  // calls past the limit get 503 while the last answers wait
                    settling = Settling(since: now)
                    rateWindow = rateWindow ?? now - start
                }
                // Once every call has been ended, give the last BYE/CANCEL a moment to be answered.
                if stopStartedAt != nil, active == 0 {
                    if drainedAt == nil { drainedAt = now }
                    if let d = drainedAt, now - d >= .seconds(1) { finished = true }
                }
            }
            if finished { break }
        }
        let (last, _) = await engine.collect()
        total.merge(last)
        await engine.shutdown()
        let elapsed = clock.now - start
        events.yield(.finished(elapsed: elapsed, rateWindow: rateWindow ?? scheduleWindow(elapsed, total), total: total))
        events.finish()
    }

    /// Ends the run without waiting for the peer: the calls still live are ended (their BYE or CANCEL sent, no
    /// answer awaited) and counted as aborted, so a run cut short does not pass. The engine ends them at 5,000 a
    /// second a thread; this waits a quarter of a second for that, at most.
    private func endAtOnce(ending: Bool) async {
        if ending {
            await engine.stopStarting()
            await engine.abortCalls()
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(250)
        while clock.now < deadline, await engine.activeCalls() > 0 {
            try? await clock.sleep(for: .milliseconds(10))
        }
    }

    /// For an initiator, the time over which calls were started: the schedule's length when it ended by
    /// duration; up to when the last call actually started (late or not) when it ended by a number of calls;
    /// else the whole run.
    private func scheduleWindow(_ elapsed: Duration, _ total: CallStatistics) -> Duration {
        if let d = run.configuration.rate?.duration, d < elapsed { return d }
        if let rate = run.configuration.rate, let calls = rate.maxCalls, let t = rate.startTime(ofCall: calls - 1) {
            let lastStart = max(t, total.lastStartOffset?.seconds ?? 0)
            return .seconds(max(lastStart, 0.001) + 1 / rate.to)
        }
        return elapsed
    }
}

/// The reporters of a run: each snapshot to the live view, the CSV and the timeline; at the end the JSON report and
/// the summary, and the exit code. Runs until the engine's run has handed over its totals, shutdown or not: the
/// report is always written.
struct ReportService: Service, CustomStringConvertible {
    var description: String { "the reports" }
    enum Event: Sendable {
        case snapshot(RunSnapshot)
        case finished(elapsed: Duration, rateWindow: Duration, total: CallStatistics)
    }

    let reporter: UnsafeSendable<RunReporter>
    let events: AsyncStream<Event>
    let exitCode: ExitBox

    func run() async throws {
        for await event in events {
            switch event {
            case .snapshot(let s):
                reporter.value.record(s)
            case .finished(let elapsed, let rateWindow, let total):
                let outcome = reporter.value.finish(elapsed: elapsed, rateWindow: rateWindow, total: total)
                exitCode.value.withLock { $0 = outcome.exitCode }
            }
        }
    }
}

/// The taps of a run: flushed when the run ends, however it ends (the group shuts this service down last).
public struct TapService: Service, CustomStringConvertible {
    public var description: String { "the taps" }
    let taps: [any SIPTap]

    public init(taps: [any SIPTap]) { self.taps = taps }

    public func run() async throws {
        try? await gracefulShutdown()
        taps.forEach { $0.flush() }
    }
}

/// The end of a run whose work is done: when the peer was last heard from in a call, told by the count of the
/// calls' messages received (all received less those out of any call, see `Engine.obligations`).
struct Settling {
    private(set) var lastHeard: ContinuousClock.Instant
    private var received: UInt64?

    init(since now: ContinuousClock.Instant) { lastHeard = now }

    /// Notes `received`, the count so far, at `now`.
    mutating func heard(_ received: UInt64, at now: ContinuousClock.Instant) {
        if let before = self.received, received != before { lastHeard = now }
        self.received = received
    }
}

/// The process's resident memory, from /proc (Linux).
enum ResidentMemory {
    static func bytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// The exit code, set by the reporters once the run is over.
final class ExitBox: Sendable {
    let value: Mutex<Int32>
    init(_ code: Int32) { value = Mutex(code) }
}

/// A value used by one task at a time that Swift cannot prove `Sendable` (the reporter: only `ReportService` uses it
/// once the run has started).
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
