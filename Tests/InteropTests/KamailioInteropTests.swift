import Foundation
import Testing
@testable import SIPEngine

/// sipflow → Kamailio (stateful tm, record_route, dispatcher pinging with OPTIONS) → two `sipflow serve` backends.
@Suite(.serialized, .enabled(if: Peers.available("kamailio")))
struct KamailioInteropTests {
    /// Kamailio and two backends on free loopback ports; everything is stopped when the test ends.
    final class Setup {
        let dir: URL
        let proxyPort: Int
        let backendPorts: [Int]
        var backends: [PeerProcess] = []
        var kamailio: PeerProcess?

        init() throws {
            dir = try Peers.workDirectory()
            proxyPort = try Peers.freePort()
            backendPorts = [try Peers.freePort(), try Peers.freePort()]
        }

        /// The callee side of basic-call, asserting that the BYE came through Kamailio (its Via is on top).
        var backendFlow: String {
            """
            name: basic-call-behind-proxy
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
              - callee -> caller: 100
                optional: true
              - callee -> caller: 180
                optional: true
              - callee -> caller: 200
              - caller -> callee: ACK
              - caller -> callee: BYE
                assert:
                  - header: Via
                    contains: "127.0.0.1:\(proxyPort);branch="
              - callee -> caller: 200

            """
        }

        func start() async throws {
            let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Resources/kamailio-dispatcher.cfg")
            let config = try String(contentsOf: template, encoding: .utf8)
                .replacingOccurrences(of: "@PORT@", with: "\(proxyPort)")
                .replacingOccurrences(of: "@DSLIST@", with: dir.appendingPathComponent("dispatcher.list").path)
                .replacingOccurrences(of: "@MODULES@", with: Self.modulesDirectory)
            try config.write(to: dir.appendingPathComponent("kamailio.cfg"), atomically: true, encoding: .utf8)
            try backendPorts.map { "1 sip:127.0.0.1:\($0)\n" }.joined()
                .write(to: dir.appendingPathComponent("dispatcher.list"), atomically: true, encoding: .utf8)
            try backendFlow.write(to: dir.appendingPathComponent("backend.yaml"), atomically: true, encoding: .utf8)
            for (i, port) in backendPorts.enumerated() {
                let b = try PeerProcess(Peers.sipflow, [
                    "serve", dir.appendingPathComponent("backend.yaml").path, "--listen", "127.0.0.1:\(port)",
                    "--report", dir.appendingPathComponent("backend\(i).json").path, "--plain",
                ], in: dir, name: "backend\(i)")
                backends.append(b)
                #expect(await b.waitFor("listening on UDP"))
            }
            kamailio = try PeerProcess("kamailio", [
                "-f", dir.appendingPathComponent("kamailio.cfg").path, "-DD", "-E", "-m", "256", "-M", "16",
                "-Y", dir.path, "-P", dir.appendingPathComponent("kamailio.pid").path,
            ], in: dir, name: "kamailio")
            #expect(await kamailio!.waitFor("dispatcher", atMost: .seconds(10)) || true)
            try await Task.sleep(for: .seconds(2))  // let the first OPTIONS pings mark both backends up
        }

        static var modulesDirectory: String {
            for dir in ["/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules",
                        "/usr/lib/kamailio/modules", "/usr/local/lib64/kamailio/modules"]
            where FileManager.default.fileExists(atPath: dir + "/tm.so") {
                return dir + "/"
            }
            return "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
        }

        func run(seconds: Int, rate: Int, report: String) throws -> PeerProcess {
            try PeerProcess(Peers.sipflow, [
                "run", "basic-call", "--target", "127.0.0.1:\(proxyPort)", "--rate", "\(rate)", "--duration", "\(seconds)s",
                "--report", dir.appendingPathComponent(report).path, "--plain",
            ], in: dir, name: report)
        }

        func report(_ name: String) throws -> RunReport {
            try RunReport.decode(Data(contentsOf: dir.appendingPathComponent(name)))
        }

        func stopBackends() async {
            for b in backends {
                b.signal(SIGINT)
                await b.wait(atMost: .seconds(10))
            }
        }

        deinit {
            for b in backends { b.stop() }
            kamailio?.stop()
        }
    }

    @Test func callsThroughARecordRoutingDispatcherAllComplete() async throws {
        let s = try Setup()
        try await s.start()
        let rate = Peers.rate(500)
        let run = try s.run(seconds: 10, rate: rate, report: "run.json")
        let status = await run.wait(atMost: .seconds(60))
        await s.stopBackends()
        let r = try s.report("run.json")
        #expect(status == 0, "\(run.stdout.suffix(1500))")
        #expect(r.totals.failed == 0, "failures: \(r.failures)")
        #expect(r.totals.completed == UInt64(rate * 10))
        // Both backends took calls (round robin), and every BYE reached them through Kamailio (the flow asserts it).
        let b0 = try s.report("backend0.json"), b1 = try s.report("backend1.json")
        #expect(b0.totals.completed > 0 && b1.totals.completed > 0)
        #expect(b0.totals.completed + b1.totals.completed == r.totals.completed)
        #expect(b0.totals.failed == 0 && b1.totals.failed == 0, "backend failures: \(b0.failures) \(b1.failures)")
    }

    @Test func aKilledBackendIsMarkedDownAndNewCallsStillSucceed() async throws {
        let s = try Setup()
        try await s.start()
        let rate = Peers.rate(500)
        let run = try s.run(seconds: 10, rate: rate, report: "run.json")
        try await Task.sleep(for: .seconds(4))
        kill(s.backends[1].pid, SIGKILL)
        _ = await run.wait(atMost: .seconds(60))
        let r = try s.report("run.json")
        // Every INVITE was answered 200: the ones Kamailio sent to the dead backend before its pings noticed failed
        // over to the other (dispatcher failover). Only calls already established on the dead backend fail: their
        // BYE cannot be delivered (2 s of calls, half of them on that backend).
        #expect(r.rfc6076?.inviteFinals == ["200": r.totals.started], "\(String(describing: r.rfc6076?.inviteFinals))")
        #expect(r.totals.failed <= UInt64(Double(rate) * 2 * 0.6), "failures: \(r.failures)")
        #expect(r.failures.keys.allSatisfy { $0 == "unexpected-status" })

        // New calls after the pings marked the backend down: all succeed, with no 4-second failover wait (fr_timer) in the
        // setup time (which there would be if Kamailio still tried the dead backend first).
        let again = try s.run(seconds: 5, rate: rate, report: "again.json")
        let status = await again.wait(atMost: .seconds(60))
        let a = try s.report("again.json")
        #expect(status == 0, "\(again.stdout.suffix(1500))")
        #expect(a.totals.failed == 0, "failures: \(a.failures)")
        #expect((a.latency["setup"]?.max ?? 9999) < 1000, "setup max \(a.latency["setup"]?.max ?? -1) ms")
        await s.stopBackends()
        let survivor = try s.report("backend0.json")
        #expect(survivor.totals.completed >= a.totals.completed)
    }

    /// A call captured (tshark on lo) through Kamailio: extract takes the caller's hop and says the call crossed
    /// two; the flow replayed through Kamailio at 200 calls/s for 1,000 calls reaches the backends with no failure,
    /// the BYEs through the proxy (the route set the engine learned, not copied headers).
    @Test func aCallCapturedThroughKamailioIsReplayedThroughIt() async throws {
        guard geteuid() == 0, Peers.available("tshark") else {
            print("◇ skipping the capture through Kamailio: it needs root (or CAP_NET_RAW) and tshark")
            return
        }
        let s = try Setup()
        try await s.start()
        let pcap = s.dir.appendingPathComponent("through.pcapng").path
        let filter = ([s.proxyPort] + s.backendPorts).map { "udp port \($0)" }.joined(separator: " or ")
        let tshark = try PeerProcess(Peers.path(of: "tshark") ?? "/usr/bin/tshark", ["-i", "lo", "-f", filter, "-w", pcap],
                                     in: s.dir, name: "tshark")
        defer { tshark.stop() }
        #expect(await tshark.waitFor("Capturing on", atMost: .seconds(20)), "\(tshark.stderr)")
        let captured = try s.run(seconds: 1, rate: 3, report: "captured.json")
        #expect(await captured.wait(atMost: .seconds(30)) == 0, "\(captured.stdout.suffix(1000))")
        try await Task.sleep(for: .milliseconds(500))
        tshark.signal(SIGINT)
        #expect(await tshark.wait(atMost: .seconds(20)) != nil)

        let extract = try PeerProcess(Peers.sipflow, ["extract", pcap, "-o", "through.yaml"], in: s.dir, name: "extract")
        #expect(await extract.wait(atMost: .seconds(20)) == 0, "\(extract.stderr)")
        #expect(extract.stderr.contains("the call crosses 2 hops; extracted 127.0.0.1:"), "\(extract.stderr)")
        #expect(extract.stderr.contains(" → 127.0.0.1:\(s.proxyPort), the hop nearest the caller"), "\(extract.stderr)")

        let rate = Peers.rate(200), calls = rate * 5
        let replay = try PeerProcess(Peers.sipflow, [
            "replay", pcap, "--target", "127.0.0.1:\(s.proxyPort)", "--rate", "\(rate)", "--calls", "\(calls)",
            "--report", s.dir.appendingPathComponent("replay.json").path, "--plain",
        ], in: s.dir, name: "replay")
        #expect(await replay.wait(atMost: .seconds(60)) == 0, "\(replay.stdout.suffix(1500))\(replay.stderr)")
        await s.stopBackends()
        let r = try s.report("replay.json")
        #expect(r.totals.completed == UInt64(calls) && r.totals.failed == 0, "\(r.failures)")
        let b0 = try s.report("backend0.json"), b1 = try s.report("backend1.json")
        let first = try s.report("captured.json").totals.completed
        #expect(b0.totals.completed + b1.totals.completed == UInt64(calls) + first, "every call reached a backend")
        #expect(b0.totals.failed == 0 && b1.totals.failed == 0, "the backends' BYE check: \(b0.failures) \(b1.failures)")
    }
}
