import Foundation
import NIOPosix
import SIPMonitor
import SIPRunControl
import SIPTransport

/// `sipflow ping --watch`: runs the watcher (as services, `WatchRun`) until --count or SIGINT/SIGTERM, printing as
/// it goes.
struct PingWatch {
    let config: PingConfiguration
    let watch: PingConfiguration.Watch
    let prober: Prober
    let format: PingFormat
    let verbose: Bool
    let taps: [any SIPTap]

    func run() async throws -> MonitorStatus {
        let report = WatchReport(format: format == .json ? .json : .text, verbose: verbose, policy: config.policy)
        var metrics: PingMetrics?
        var server: MetricsServer?
        if let listen = watch.metrics {
            let m = PingMetrics()
            do {
                server = try await MetricsServer.start(host: listen.host, port: listen.port, metrics: m,
                                                       group: MultiThreadedEventLoopGroup.singleton)
            } catch {
                throw PingArgumentError("--metrics-listen \(listen.host):\(listen.port): cannot listen: \(error)")
            }
            metrics = m
            Log.command("ping").notice("metrics at http://\(server!.localAddress.ipAddress ?? listen.host):\(server!.localAddress.port ?? listen.port)/metrics")
        }
        if format == .text {
            let what = watch.count.map { "\($0) probes each" } ?? "until interrupted"
            Output.write("watching \(config.targets.count) target\(config.targets.count == 1 ? "" : "s") every "
                         + "\(format(watch.interval)), \(what): DOWN after \(watch.downAfter) consecutive failure"
                         + "\(watch.downAfter == 1 ? "" : "s"), UP after \(watch.upAfter) consecutive success"
                         + "\(watch.upAfter == 1 ? "" : "es")\n")
        }
        let watcher = Watcher(prober: prober, targets: config.targets, interval: watch.interval, downAfter: watch.downAfter,
                              upAfter: watch.upAfter, count: watch.count, summaryEvery: watch.summaryEvery, metrics: metrics)
        let stats = await WatchRun(watcher: watcher, metrics: server, taps: taps, logger: Log.command("ping"))
            .run { event in Output.write(report.render(event)) }
        Output.write(report.final(stats))
        return WatchReport.exitStatus(stats)
    }

    private func format(_ d: Duration) -> String { SIPMonitor.format(d) }
}

/// Standard output for lines written from several tasks: one write per event, flushed, never interleaved.
enum Output {
    static let lock = NSLock()
    static func write(_ text: String) {
        guard !text.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
