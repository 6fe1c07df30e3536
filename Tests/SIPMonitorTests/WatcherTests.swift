import Foundation
import NIOCore
import NIOPosix
import SIPConformance
import SIPCore
import Synchronization
import Testing
@testable import SIPMonitor

/// A watch against an in-process server whose answers change with the probe count, and its /metrics.
@Suite struct WatcherTests {
    let group = MultiThreadedEventLoopGroup.singleton

    /// Probes 1–2 answered 200, 3–5 answered 503, 6–8 answered 200 again.
    func flappingServer() async throws -> ProberTests.Server {
        try await ProberTests.Server(group: group) { r, n in
            let code = (3...5).contains(n) ? 503 : 200
            return [try! .response(to: r, statusCode: code, reason: code == 200 ? "OK" : "Service Unavailable", toTag: "x")]
        }
    }

    @Test func transitionsHappenAtTheExactProbeCounts() async throws {
        let server = try await flappingServer()
        let events = Mutex<[WatchEvent]>([])
        let metrics = PingMetrics()
        let watcher = Watcher(prober: Prober(group: group), targets: [server.target], interval: .milliseconds(10),
                              downAfter: 3, upAfter: 2, count: 8, metrics: metrics)
        let stats = await watcher.run { e in events.withLock { $0.append(e) } }

        let transitions = events.withLock { $0 }.compactMap { e -> HealthTracker.Transition? in
            if case .transition(_, let t, _, _) = e { return t } else { return nil }
        }
        #expect(transitions == [
            .init(from: .unknown, to: .up, probe: 2, consecutive: 2),
            .init(from: .up, to: .down, probe: 5, consecutive: 3),
            .init(from: .down, to: .up, probe: 7, consecutive: 2),
        ])
        let s = try #require(stats.first)
        #expect(s.probes == 8 && s.alive == 5 && s.state == .up)
        #expect(s.codes == [200: 5, 503: 3])
        #expect(s.availability == 62.5)
        #expect(WatchReport.exitStatus(stats) == .ok)

        // The text lines a person sees for the transitions.
        let report = WatchReport(format: .text, verbose: false, policy: .init())
        let lines = events.withLock { $0 }.map { report.render($0) }.filter { !$0.isEmpty }
        #expect(lines.count == 3)
        #expect(lines[1].contains("\(server.target.uri) DOWN (was UP) after 3 consecutive failures, probe 5: 503 Service Unavailable"))

        // Prometheus exposition over HTTP.
        let http = try await MetricsServer.start(host: "127.0.0.1", port: 0, metrics: metrics, group: group)
        let port = try #require(http.localAddress.port)
        let body = try HTTPGet.get(port: port, path: "/metrics")
        let t = server.target.uri
        #expect(body.hasPrefix("HTTP/1.1 200 OK"))
        #expect(body.contains("sipflow_ping_up{target=\"\(t)\"} 1.0") || body.contains("sipflow_ping_up{target=\"\(t)\"} 1"))
        #expect(body.contains("sipflow_ping_probes_total{target=\"\(t)\",result=\"critical\",code=\"503\"} 3"))
        #expect(body.contains("sipflow_ping_probes_total{target=\"\(t)\",result=\"ok\",code=\"200\"} 5"))
        #expect(body.contains("sipflow_ping_rtt_seconds_count{target=\"\(t)\"} 8"))
        #expect(try HTTPGet.get(port: port, path: "/").hasPrefix("HTTP/1.1 404"))
        try await http.close()
    }

    @Test func aWatchThatEndsDownExitsCritical() {
        var s = TargetStatistics(target: "sip:a")
        let r = ProbeResult(observation: .init(target: try! ProbeTarget(parsing: "sip:a"), outcome: .timeout),
                            status: .critical, problems: [], findings: [])
        s.record(r, state: .down)
        #expect(WatchReport.exitStatus([s]) == .critical)
        #expect(s.line == "sip:a  DOWN  probes 1, available 0.0%, timeout×1")
    }

    @Test func jsonLinesCarryOneEventEach() throws {
        let target = try ProbeTarget(parsing: "sip:a")
        let r = ProbeResult(observation: .init(target: target, outcome: .answered(code: 200, reason: "OK"), rtt: .milliseconds(2)),
                            status: .ok, problems: [], findings: [])
        let t = HealthTracker.Transition(from: .unknown, to: .up, probe: 2, consecutive: 2)
        let report = WatchReport(format: .json, verbose: false, policy: .init())
        let line = report.render(.transition(target: "sip:a", t, result: r, at: Date(timeIntervalSince1970: 0)))
        #expect(line.hasSuffix("\n") && line.dropLast().contains("\n") == false)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect(object["event"] as? String == "transition")
        #expect(object["time"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(object["from"] as? String == "UNKNOWN" && object["to"] as? String == "UP")
        #expect(object["probe"] as? Int == 2)
        #expect((object["result"] as? [String: Any])?["statusCode"] as? Int == 200)
        #expect(report.render(.probe(target: "sip:a", number: 1, result: r, state: .unknown)) == "", "probes only with --verbose")
    }

    @Test func theSummaryCountsFindingsByRule() throws {
        var s = TargetStatistics(target: "sip:a")
        let rule = Rule("test.to-tag", .error, "RFC 3261 §8.2.6.2", "a To tag", scope: .exchange)
        let r = ProbeResult(observation: .init(target: try ProbeTarget(parsing: "sip:a"), outcome: .answered(code: 200, reason: "OK"),
                                               rtt: .milliseconds(1)),
                            status: .warning, problems: [], findings: [Finding(rule, "no To tag")])
        s.record(r, state: .unknown)
        s.record(r, state: .up)
        #expect(s.line.hasSuffix(", 200×2, findings test.to-tag×2"))
        #expect(s.summary.findings == ["test.to-tag": 2])
    }

    @Test func metricsListenAddresses() throws {
        #expect(try MetricsServer.parseListen(":9100") == ("", 9100))
        #expect(try MetricsServer.parseListen("127.0.0.1:0") == ("127.0.0.1", 0))
        #expect(try MetricsServer.parseListen("[::1]:9100") == ("::1", 9100))
        #expect(throws: PingArgumentError.self) { try MetricsServer.parseListen("9100x") }
    }
}

/// A blocking HTTP/1.0 GET on loopback, enough to read /metrics in a test.
enum HTTPGet {
    struct Failure: Error { let what: String }

    static func get(port: Int, path: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket") }
        defer { close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw Failure(what: "connect") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
