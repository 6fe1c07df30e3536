import Logging
import SIPMonitor
import SIPTransport
import ServiceLifecycle

/// `sipflow ping --watch` as services in one `ServiceGroup`: the watcher (`WatchService`), its metrics endpoint
/// (`MetricsService`) and its taps (`TapService`). SIGINT or SIGTERM stops the watcher after the probes in flight;
/// the endpoint is closed and the taps flushed on every way out.
public struct WatchRun: Sendable {
    public var watcher: Watcher
    public var metrics: MetricsServer?
    public var taps: [any SIPTap]
    public var logger: Logger

    public init(watcher: Watcher, metrics: MetricsServer?, taps: [any SIPTap], logger: Logger) {
        self.watcher = watcher
        self.metrics = metrics
        self.taps = taps
        self.logger = logger
    }

    /// Runs the watcher until its --count or a signal; each event goes to `onEvent`. Returns each target's totals.
    public func run(onEvent: @escaping @Sendable (WatchEvent) -> Void) async -> [TargetStatistics] {
        let result = ResultBox()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: TapService(taps: taps), successTerminationBehavior: .gracefullyShutdownGroup,
                  failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let metrics {
            services.append(.init(service: MetricsService(server: metrics), successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: WatchService(watcher: watcher, onEvent: onEvent, result: result),
                              successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigint, .sigterm],
                                                      logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("\(error)")
        }
        return result.value.withLock { $0 }
    }
}

/// The watcher: probes until its --count, or until the graceful shutdown, which ends it after the probes in flight.
struct WatchService: Service, CustomStringConvertible {
    var description: String { "the watcher" }
    let watcher: Watcher
    let onEvent: @Sendable (WatchEvent) -> Void
    let result: ResultBox

    func run() async throws {
        let task = Task { [watcher, onEvent] in await watcher.run(onEvent: onEvent) }
        let stats = await withGracefulShutdownHandler {
            await task.value
        } onGracefulShutdown: {
            task.cancel()
        }
        result.value.withLock { $0 = stats }
    }
}

/// The Prometheus endpoint: up while the watcher runs, closed at the end.
struct MetricsService: Service, CustomStringConvertible {
    var description: String { "the metrics endpoint" }
    let server: MetricsServer

    func run() async throws {
        try? await gracefulShutdown()
        try? await server.close()
    }
}

import Synchronization

/// The watcher's totals, once it has ended.
final class ResultBox: Sendable {
    let value = Mutex<[TargetStatistics]>([])
}
