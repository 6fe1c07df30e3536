import Prometheus

/// Prometheus metrics of a watch, through swift-prometheus:
///
/// - `sipflow_ping_up{target}` — 1 while UP, 0 while DOWN (absent while UNKNOWN);
/// - `sipflow_ping_rtt_seconds{target}` — histogram of RTT to the final response;
/// - `sipflow_ping_probes_total{target,result,code}` — probes by verdict (`ok`, `warning`, `critical`, `unknown`)
///   and status code (or `timeout`, `unreachable`, `unresolvable`, `error` when there was none);
/// - `sipflow_ping_findings_total{target,rule}` — conformance findings on answers, by rule ID.
public final class PingMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    static let buckets: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000].map { .microseconds(Int64($0 * 1_000)) }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    public func record(_ result: ProbeResult, state: HealthState) {
        let target = result.target.uri
        let code = result.outcome.statusCode.map(String.init) ?? result.outcome.kind
        registry.makeCounter(descriptor: .init(namespace: "sipflow", subsystem: "ping", metricName: "probes", unitName: "total",
                                               helpText: "Health-check probes by verdict and status code."),
                             labels: [("target", target), ("result", result.status.description.lowercased()), ("code", code)])
            .increment()
        if case .answered = result.outcome, let rtt = result.rtt {
            registry.makeDurationHistogram(descriptor: .init(namespace: "sipflow", subsystem: "ping", metricName: "rtt", unitName: "seconds",
                                                             helpText: "Time from the first transmission of a probe to its final response."),
                                           labels: [("target", target)], buckets: Self.buckets)
                .record(rtt)
        }
        for f in result.findings {
            registry.makeCounter(descriptor: .init(namespace: "sipflow", subsystem: "ping", metricName: "findings", unitName: "total",
                                                   helpText: "Conformance findings on health-check answers, by rule ID."),
                                 labels: [("target", target), ("rule", f.rule.id)])
                .increment()
        }
        if state != .unknown {
            registry.makeGauge(descriptor: .init(namespace: "sipflow", subsystem: "ping", metricName: "up", unitName: "",
                                                 helpText: "1 while the target is UP, 0 while DOWN."),
                               labels: [("target", target)])
                .set(to: state == .up ? 1.0 : 0.0)
        }
    }

    /// The text exposition format.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
