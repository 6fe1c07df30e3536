import Foundation
import NIOPosix
import Synchronization
import Testing
@testable import SIPMonitor

/// `--watch` against a SIPp backend that is stopped and started again, as a load balancer sees a server restart.
@Suite(.serialized) struct PingWatchPeerTests {
    let group = MultiThreadedEventLoopGroup.singleton

    /// Probes every 100 ms, DOWN after 3 failures, UP after 2 successes. SIPp runs, is killed once UP, and is
    /// started again on the same port once DOWN. The transitions must fall exactly on the probes where the
    /// consecutive counts reach the thresholds.
    @Test(.enabled(if: Peers.available("sipp")), .timeLimit(.minutes(1)))
    func aBackendThatGoesDownAndComesBack() async throws {
        let first = try await PingPeerTests.startSIPp(["-sn", "uas", "-aa"], name: "sipp-watch")
        let port = first.port
        let current = Mutex<SpawnedPeer?>(first)
        defer { current.withLock { $0?.stop() } }

        let target = try ProbeTarget(parsing: "sip:127.0.0.1:\(port)")
        let prober = Prober(group: group, policy: .init(timeout: .milliseconds(400)))
        let watcher = Watcher(prober: prober, targets: [target], interval: .milliseconds(100), downAfter: 3, upAfter: 2, count: 40)
        let (events, continuation) = AsyncStream<WatchEvent>.makeStream()
        let run = Task { _ = await watcher.run { continuation.yield($0) }; continuation.finish() }

        var alive: [Bool] = []
        var transitions: [HealthTracker.Transition] = []
        for await event in events {
            switch event {
            case .probe(_, _, let result, _):
                alive.append(result.isAlive)
            case .transition(_, let t, _, _):
                transitions.append(t)
                if t.to == .up, transitions.count == 1 {
                    current.withLock { $0?.stop(); $0 = nil }            // the backend dies
                } else if t.to == .down {
                    let again = try await PingPeerTests.startSIPp(["-sn", "uas", "-aa"], name: "sipp-watch", port: port)
                    current.withLock { $0 = again }                   // and comes back
                } else if t.to == .up {
                    run.cancel()
                }
            case .summary:
                break
            }
        }
        _ = await run.value

        #expect(transitions.map(\.to) == [.up, .down, .up])
        // Replay the probe results through the rule and check each transition sits where the rule puts it.
        var expected = HealthTracker(downAfter: 3, upAfter: 2)
        let replayed = alive.compactMap { expected.record(success: $0) }
        #expect(replayed == transitions)
        #expect(transitions.first?.probe == 2, "two answered probes bring it UP")
        let down = try #require(transitions.dropFirst().first)
        #expect(down.consecutive == 3 && alive[(down.probe - 3)..<down.probe].allSatisfy { !$0 })
        let up = try #require(transitions.last)
        #expect(up.consecutive == 2 && alive[(up.probe - 2)..<up.probe].allSatisfy { $0 })
    }

    /// The command line prints the transition with its probe count and exits 2 when the target ends DOWN.
    @Test(.timeLimit(.minutes(1)))
    func theCommandLinePrintsTransitionsAndASummary() async throws {
        let port = Peers.freeUDPPort()
        let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(port)", "--watch", "--interval", "50ms", "--count", "4",
                                         "--down-after", "3", "--up-after", "2", "--verbose"])
        #expect(run.status == 2, "\(run.stdout) \(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "watching 1 target every 50.0 ms, 4 probes each: DOWN after 3 consecutive failures, UP after 2 consecutive successes")
        #expect(lines.filter { $0.contains(" probe ") && $0.contains("CRITICAL port unreachable (ICMP)") }.count == 4)
        #expect(lines.contains { $0.hasSuffix("sip:127.0.0.1:\(port) DOWN (was UNKNOWN) after 3 consecutive failures, probe 3: port unreachable (ICMP)") })
        #expect(lines.contains { $0.contains("final summary") })
        #expect(lines.last == "  sip:127.0.0.1:\(port)  DOWN  probes 4, available 0.0%, unreachable×4")
    }

    /// Ctrl-C ends a watch that has no --count: the final summary is printed and the exit code says the end state.
    @Test(.timeLimit(.minutes(1)))
    func anInterruptedWatchPrintsItsFinalSummary() async throws {
        let port = Peers.freeUDPPort()
        let watch = try PeerProcess(Peers.sipflow, ["ping", "sip:127.0.0.1:\(port)", "--watch", "--interval", "100ms", "--down-after", "2"],
                                    in: try Peers.workDirectory(), name: "sipflow-watch")
        defer { watch.stop() }
        try await Task.sleep(for: .seconds(1))
        watch.signal(SIGINT)
        let status = await watch.wait(atMost: .seconds(15))
        let text = watch.stdout
        #expect(status == 2, "ends DOWN: \(text)")
        #expect(text.contains("DOWN (was UNKNOWN) after 2 consecutive failures, probe 2"))
        #expect(text.contains("final summary"))
    }
}
