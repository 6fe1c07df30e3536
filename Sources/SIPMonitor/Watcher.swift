import Foundation
import Synchronization

/// Something that happened while watching: a probe, an UP/DOWN transition, or a periodic summary.
public enum WatchEvent: Sendable {
    /// Probe number `number` (1-based, per target) of `target` ended.
    case probe(target: String, number: Int, result: ProbeResult, state: HealthState)
    /// The target changed state because of `result`.
    case transition(target: String, HealthTracker.Transition, result: ProbeResult, at: Date)
    /// The running figures of every target, in the order the targets were given.
    case summary([TargetStatistics], at: Date)
}

/// Probes every target concurrently at a fixed interval, as a load balancer's monitor does, and reports each
/// probe, each UP/DOWN transition (down after `downAfter` consecutive failures, up after `upAfter` successes) and
/// a summary every `summaryEvery`.
///
/// Probes of one target are sequential: the next starts `interval` after the previous one started, or at once
/// when a probe took longer than the interval. Stops after `count` probes per target, or when the task is
/// cancelled; returns the final figures.
public struct Watcher: Sendable {
    public let prober: Prober
    public let targets: [ProbeTarget]
    public let interval: Duration
    public let downAfter: Int
    public let upAfter: Int
    public let count: Int?
    public let summaryEvery: Duration?
    public let metrics: PingMetrics?

    public init(prober: Prober, targets: [ProbeTarget], interval: Duration, downAfter: Int, upAfter: Int,
                count: Int? = nil, summaryEvery: Duration? = nil, metrics: PingMetrics? = nil) {
        self.prober = prober
        self.targets = targets
        self.interval = interval
        self.downAfter = downAfter
        self.upAfter = upAfter
        self.count = count
        self.summaryEvery = summaryEvery
        self.metrics = metrics
    }

    public func run(onEvent: @escaping @Sendable (WatchEvent) -> Void) async -> [TargetStatistics] {
        let stats = StatisticsBox(targets.map { TargetStatistics(target: $0.uri) })
        await withTaskGroup(of: Void.self) { group in
            for (index, target) in targets.enumerated() {
                group.addTask { await watch(target, index: index, stats: stats, onEvent: onEvent) }
            }
            let reporter = summaryEvery.map { every in
                Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: every)
                        if Task.isCancelled { break }
                        onEvent(.summary(stats.value.withLock { $0 }, at: Date()))
                    }
                }
            }
            await group.waitForAll()
            reporter?.cancel()
        }
        return stats.value.withLock { $0 }
    }

    func watch(_ target: ProbeTarget, index: Int, stats: StatisticsBox,
               onEvent: @Sendable (WatchEvent) -> Void) async {
        var tracker = HealthTracker(downAfter: downAfter, upAfter: upAfter)
        let clock = ContinuousClock()
        var next = clock.now
        var number = 0
        while !Task.isCancelled, count.map({ number < $0 }) ?? true {
            number += 1
            let result = await prober.probe(target)
            let transition = tracker.record(success: result.isAlive)
            let state = tracker.state
            stats.value.withLock { $0[index].record(result, state: state) }
            metrics?.record(result, state: state)
            onEvent(.probe(target: target.uri, number: number, result: result, state: state))
            if let transition { onEvent(.transition(target: target.uri, transition, result: result, at: Date())) }
            if let count, number >= count { break }
            next = max(next + interval, clock.now)
            do { try await clock.sleep(until: next) } catch { break }
        }
    }
}

/// The figures of all targets, shared by their probe loops and the summary reporter.
final class StatisticsBox: Sendable {
    let value: Mutex<[TargetStatistics]>
    init(_ initial: [TargetStatistics]) { value = Mutex(initial) }
}
