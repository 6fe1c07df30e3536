import Dispatch
import Foundation
import SIPEngine
import Synchronization

/// Drives an engine from start to report: samples statistics once a second for the live view and CSV, stops on
/// the schedule's end, a limit or a signal, and writes the summary and JSON report.
struct RunSession {
    let configuration: EngineConfiguration
    let options: EngineOptions
    let parameters: RunParameters
    var stopAfter: Duration?
    var stopAfterCalls: Int?
    /// How long live calls get to end properly after the first Ctrl-C (they are ended at 5,000 a second per
    /// thread; the grace grows with the number of live calls).
    var grace: Duration = .seconds(5)

    init(configuration: EngineConfiguration, options: EngineOptions, parameters: RunParameters,
         stopAfter: Duration? = nil, stopAfterCalls: Int? = nil) {
        self.configuration = configuration
        self.options = options
        self.parameters = parameters
        self.stopAfter = stopAfter
        self.stopAfterCalls = stopAfterCalls
    }

    /// Runs to the end and returns the exit code.
    func run() async -> Int32 {
        let reporter: RunReporter
        do {
            reporter = try RunReporter(parameters: parameters, options: RunReporter.Options(
                liveView: options.plain ? .plain : .detect(), csvPath: options.csv, reportPath: options.report,
                conditions: options.thresholds, toolVersion: SipflowVersion.current))
        } catch {
            Stderr.print("sipflow: \(error)")
            return ExitStatus.usageOrInput
        }
        let engine = Engine(configuration: configuration)
        do {
            try await engine.start()
        } catch {
            Stderr.print("sipflow: \(error)")
            await engine.shutdown()
            return ExitStatus.runtime
        }
        if configuration.role == .responder {
            let addresses = engine.localAddresses.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" }
            Stderr.print("sipflow serve: listening on UDP \(Set(addresses).sorted().joined(separator: ", "))")
        }
        let signals = SignalCounter()
        var total = CallStatistics()
        let clock = ContinuousClock()
        let start = clock.now
        var lastSample = start
        var stopRequestedAt: ContinuousClock.Instant?
        var rateWindow: Duration?
        let memoryBaseline = ResidentMemory.bytes()
        var memoryPerDialog: Int?
        var peakActive = 0
        var stopGrace = grace
        var drainedAt: ContinuousClock.Instant?
        // Once the work is done (an initiator's schedule is over and its calls have ended, or a responder has
        // answered --calls calls), the process stays while the peer may still re-send a request whose answer was
        // lost: until nothing is owed to it, or it has been quiet for `quiet`. A peer re-sends a non-INVITE request
        // (and a 2xx) at most T2 apart (RFC 3261 §17.1.2.2, §13.3.1.4), so one quiet for T2 + T1 has had its answer,
        // unless the copy it sent last was lost as well.
        var settling: Settling?
        let quiet = configuration.transactions.t2 + configuration.transactions.t1

        while true {
            try? await Task.sleep(for: .milliseconds(100))
            let now = clock.now
            let hits = signals.count
            if hits >= 2 { break }
            if hits == 1, stopRequestedAt == nil {
                stopRequestedAt = now
                rateWindow = now - start
                let perSecond = Double(5_000 * max(1, configuration.threads))
                stopGrace = grace + .seconds(Double(await engine.activeCalls()) / perSecond)
                Stderr.print("\nsipflow: stopping: no new calls; ending live calls (Ctrl-C again to end at once)")
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
            if let stopAfter, now - start >= stopAfter { finished = true }
            if let at = stopRequestedAt, now - at >= stopGrace { finished = true }
            if now - lastSample >= .seconds(1) || finished {
                let (interval, active) = await engine.collect()
                total.merge(interval)
                // Memory per dialog: resident growth over the baseline at the most concurrent dialogs seen (later,
                // fewer dialogs would share memory the allocator has not given back).
                if active >= 1000, active > peakActive, let base = memoryBaseline, let current = ResidentMemory.bytes() {
                    peakActive = active
                    memoryPerDialog = max(0, (current - base) / active)
                }
                reporter.record(RunSnapshot(
                    elapsed: now - start, targetRate: configuration.rate?.rate(atSeconds: (now - start).seconds) ?? 0,
                    intervalSeconds: (now - lastSample).seconds, active: active, total: total, interval: interval,
                    memoryPerDialogBytes: memoryPerDialog))
                lastSample = now
                if let stopAfterCalls, settling == nil, total.completed + total.failed >= UInt64(stopAfterCalls) {
                    await engine.stopStarting()  // calls past the limit get 503 while the last answers wait
                    settling = Settling(since: now)
                    rateWindow = rateWindow ?? now - start
                }
                // Once every call has been ended, give the last BYE/CANCEL a moment to be answered.
                if stopRequestedAt != nil, active == 0 {
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
        let outcome = reporter.finish(elapsed: elapsed, rateWindow: rateWindow ?? scheduleWindow(elapsed, total), total: total)
        return outcome.exitCode
    }

    /// For an initiator, the time over which calls were started: the schedule's length when it ended by
    /// duration; up to when the last call actually started (late or not) when it ended by a number of calls;
    /// else the whole run.
    private func scheduleWindow(_ elapsed: Duration, _ total: CallStatistics) -> Duration {
        if let d = configuration.rate?.duration, d < elapsed { return d }
        if let rate = configuration.rate, let calls = rate.maxCalls, let t = rate.startTime(ofCall: calls - 1) {
            let lastStart = max(t, total.lastStartOffset?.seconds ?? 0)
            return .seconds(max(lastStart, 0.001) + 1 / rate.to)
        }
        return elapsed
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

/// Counts SIGINT and SIGTERM: the first asks for a graceful stop, the second for an immediate one.
final class SignalCounter: @unchecked Sendable {
    // @unchecked: `sources` is written once in init and only kept alive after that; `hits` is thread-safe.
    private final class Hits: Sendable {
        let value = Mutex(0)
    }

    private let hits = Hits()
    private let sources: [any DispatchSourceSignal]

    init() {
        var made: [any DispatchSourceSignal] = []
        let hits = self.hits
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { hits.value.withLock { $0 += 1 } }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    var count: Int { hits.value.withLock { $0 } }
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
