import Foundation
import NIOPosix
import SIPConformance
import SIPCore
import Synchronization
import Testing
@testable import SIPMonitor

/// `sipflow ping` against real SIP servers on loopback: Kamailio answering OPTIONS itself, SIPp as a UAS with and
/// without automatic answers, SIPp scenarios that answer slowly, with 503, or without a To tag.
@Suite(.serialized) struct PingPeerTests {
    let group = MultiThreadedEventLoopGroup.singleton

    static func target(_ port: Int) -> ProbeTarget { try! ProbeTarget(parsing: "sip:127.0.0.1:\(port)") }

    static func startKamailio() async throws -> SpawnedPeer {
        let kamailio = try Peers.require("kamailio")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sipflow-kamailio-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let modules = ["/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules",
                       "/usr/lib/kamailio/modules", "/usr/local/lib64/kamailio/modules"]
            .first { FileManager.default.fileExists(atPath: $0 + "/sl.so") } ?? "/usr/lib/x86_64-linux-gnu/kamailio/modules"
        return try await SpawnedPeer.start(kamailio, name: "kamailio") { port in
            let template = try String(contentsOfFile: Peers.resource("kamailio-options.cfg"), encoding: .utf8)
            let cfg = dir.appendingPathComponent("kamailio-\(port).cfg")
            try template.replacingOccurrences(of: "@PORT@", with: String(port))
                .replacingOccurrences(of: "@MODULES@", with: modules + "/")
                .write(to: cfg, atomically: true, encoding: .utf8)
            return ["-f", cfg.path, "-DD", "-E", "-w", dir.path, "-Y", dir.path, "-P", dir.appendingPathComponent("pid").path]
        }
    }

    static func startSIPp(_ arguments: [String], name: String, port: Int? = nil) async throws -> SpawnedPeer {
        let sipp = try Peers.require("sipp")
        return try await SpawnedPeer.start(sipp, name: name, port: port) { port in
            arguments + ["-i", "127.0.0.1", "-p", String(port), "-nostdin", "-mp", String(Peers.freeUDPPort())]
        }
    }

    // MARK: Kamailio

    @Test(.enabled(if: Peers.available("kamailio")), .timeLimit(.minutes(1)))
    func kamailioAnswersOptionsItself() async throws {
        let peer = try await Self.startKamailio()
        defer { peer.stop() }
        let policy = ProbePolicy(expectations: [try HeaderExpectation(parsing: "Server~kamailio")])
        let result = await Prober(group: group, policy: policy).probe(Self.target(peer.port))
        #expect(result.outcome == .answered(code: 200, reason: "OK"))
        #expect(result.status == .ok, "\(result.problems) \(result.findings.map(\.message))")
        #expect(result.observation.response?.to?.tag != nil, "Kamailio's sl replies carry a To tag")

        let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--format", "nagios", "--warn", "2s"])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.hasPrefix("SIP OK - sip:127.0.0.1:\(peer.port): 200 OK in "))
        #expect(run.stdout.contains(" | rtt=") && run.stdout.contains("s;2.000000;;0"))
    }

    @Test(.enabled(if: Peers.available("kamailio")), .timeLimit(.minutes(1)))
    func kamailioAsRegistrarChallengesARegisterAnd401CanBeAccepted() async throws {
        let peer = try await Self.startKamailio()
        defer { peer.stop() }
        let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--method", "REGISTER", "--accept", "200,401",
                                         "--transport", "udp", "--format", "json"])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let t = try #require((json?["targets"] as? [[String: Any]])?.first)
        #expect(t["statusCode"] as? Int == 401 && t["method"] as? String == "REGISTER")

        let strict = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--method", "REGISTER"])
        #expect(strict.status == 2, "401 is not accepted by default: \(strict.stdout)")
    }

    // MARK: SIPp -sn uas

    @Test(.enabled(if: Peers.available("sipp")), .timeLimit(.minutes(1)))
    func sippWithAutoAnswerAnswersOptions() async throws {
        let peer = try await Self.startSIPp(["-sn", "uas", "-aa"], name: "sipp-aa")
        defer { peer.stop() }
        let result = await Prober(group: group).probe(Self.target(peer.port))
        #expect(result.outcome == .answered(code: 200, reason: "OK"))
        #expect(result.isAlive)
        // SIPp's automatic 200 copies To without adding a tag: an accepted answer that breaks §8.2.6.2.
        #expect(result.observation.response?.to?.tag == nil)
        #expect(result.status == .warning)
        #expect(result.findings.contains { $0.rule.id == "rfc3261.8.2.6.2.to-tag" })
    }

    @Test(.enabled(if: Peers.available("sipp")), .timeLimit(.minutes(1)))
    func sippWithoutAutoAnswerIgnoresOptionsSoTheProbeTimesOutAfterRetransmitting() async throws {
        let peer = try await Self.startSIPp(["-sn", "uas"], name: "sipp-uas")
        defer { peer.stop() }
        let started = ContinuousClock.now
        let result = await Prober(group: group, policy: .init(timeout: .milliseconds(1_600))).probe(Self.target(peer.port))
        #expect(result.outcome == .timeout)
        #expect(result.status == .critical)
        #expect(result.observation.retransmissions == 2, "Timer E: at 0.5 s and 1.5 s inside a 1.6 s timeout")
        #expect(ContinuousClock.now - started >= .milliseconds(1_600))
    }

    // MARK: SIPp scenarios

    @Test(.enabled(if: Peers.available("sipp")), .timeLimit(.minutes(1)))
    func aSlowServerIsWarning() async throws {
        let peer = try await Self.startSIPp(["-sf", Peers.resource("sipp-options-slow.xml")], name: "sipp-slow")
        defer { peer.stop() }
        let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--format", "nagios", "--warn", "100ms", "--crit", "3s"])
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.hasPrefix("SIP WARNING - sip:127.0.0.1:\(peer.port): 200 OK in "))
        #expect(run.stdout.contains("above the warning threshold 100.0 ms"))
        #expect(run.stdout.contains(";0.100000;3.000000;0"))
    }

    @Test(.enabled(if: Peers.available("sipp")), .timeLimit(.minutes(1)))
    func a503IsCritical() async throws {
        let peer = try await Self.startSIPp(["-sf", Peers.resource("sipp-options-503.xml")], name: "sipp-503")
        defer { peer.stop() }
        let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--format", "nagios"])
        #expect(run.status == 2, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.hasPrefix("SIP CRITICAL - sip:127.0.0.1:\(peer.port): 503 Service Unavailable in "))
        let accepted = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--accept", "2xx,503"])
        #expect(accepted.status == 0, "\(accepted.stdout)")
    }

    @Test(.enabled(if: Peers.available("sipp")), .timeLimit(.minutes(1)))
    func anAnswerWithoutAToTagIsWarningWithTheRuleNamed() async throws {
        let peer = try await Self.startSIPp(["-sf", Peers.resource("sipp-options-no-to-tag.xml")], name: "sipp-no-to-tag")
        defer { peer.stop() }
        let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--format", "nagios"])
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("SIP WARNING - sip:127.0.0.1:\(peer.port): 200 OK in ") == true)
        #expect(lines.first?.contains("rfc3261.8.2.6.2.to-tag") == true)
        #expect(lines.contains { $0.hasPrefix("error rfc3261.8.2.6.2.to-tag (RFC 3261 §8.2.6.2)") })
    }

    // MARK: No peer at all

    @Test(.timeLimit(.minutes(1)))
    func aClosedPortIsCriticalAtOnce() async throws {
        let port = Peers.freeUDPPort()
        // ICMP errors are rate-limited machine-wide; on a busy machine one may be dropped (then: a CRITICAL
        // timeout). At least one of three runs sees it.
        var seen: SipflowBinary.Run?
        for _ in 0..<3 where seen == nil {
            let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(port)", "--format", "nagios", "--timeout", "1s"])
            #expect(run.status == 2)
            if run.stdout.contains("port unreachable (ICMP)") { seen = run }
        }
        let run = try #require(seen, "no ICMP port-unreachable in three runs")
        #expect(run.stdout.hasPrefix("SIP CRITICAL - sip:127.0.0.1:\(port): port unreachable (ICMP) | rtt="))
        // The perfdata RTT runs from the send to the ICMP error: well under the timeout.
        let rtt = run.stdout.split(separator: "rtt=").last.flatMap { Double($0.prefix { $0 != "s" }) }
        #expect(try #require(rtt) < 0.5, "ICMP, not the timeout: \(run.stdout)")
    }

    @Test(.timeLimit(.minutes(1)))
    func argumentErrorsAreUnknown() async throws {
        let bad = try await SipflowBinary.run(["ping", "sip:127.0.0.1:5060", "--accept", "2xy", "--format", "nagios"])
        #expect(bad.status == 3)
        #expect(bad.stdout == "SIP UNKNOWN - '2xy' in --accept is neither a status code (100-699) nor a class such as 2xx\n")
        #expect(try await SipflowBinary.run(["ping"]).status == 3)
        #expect(try await SipflowBinary.run(["ping", "--no-such-option", "sip:127.0.0.1"]).status == 3)
        #expect(try await SipflowBinary.run(["ping", "sip:127.0.0.1", "--timeout", "soon"]).status == 3)
        #expect(try await SipflowBinary.run(["ping", "--help"]).status == 0)
        #expect(try await SipflowBinary.run(["lint", "--no-such-option"]).status == 2, "other subcommands keep 2 for usage errors")
    }
}
