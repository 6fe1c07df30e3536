import Foundation
import Testing

/// `sipflow ping` against `sipflow serve`, told to answer OPTIONS with 200, with 503, or not at all.
@Suite(.serialized) struct PingServeTests {
    func serve(_ optionsStatus: String) async throws -> SpawnedPeer {
        try await SpawnedPeer.start(Peers.sipflow, name: "serve-\(optionsStatus)") { port in
            ["serve", "basic-call", "--listen", "127.0.0.1:\(port)", "--plain", "--duration", "30s", "--options-status", optionsStatus]
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func answering200IsOK() async throws {
        let peer = try await serve("200")
        defer { peer.stop() }
        let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--format", "nagios"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.hasPrefix("SIP OK - sip:127.0.0.1:\(peer.port): 200 OK in "))
    }

    @Test(.timeLimit(.minutes(1)))
    func answering503IsCritical() async throws {
        let peer = try await serve("503")
        defer { peer.stop() }
        let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--format", "nagios"])
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.hasPrefix("SIP CRITICAL - sip:127.0.0.1:\(peer.port): 503 Service Unavailable in "))
    }

    @Test(.timeLimit(.minutes(1)))
    func notAnsweringIsACriticalTimeout() async throws {
        let peer = try await serve("none")
        defer { peer.stop() }
        let run = try await SipflowBinary.run(["ping", "sip:127.0.0.1:\(peer.port)", "--format", "nagios", "--timeout", "1s"])
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.hasPrefix("SIP CRITICAL - sip:127.0.0.1:\(peer.port): no answer within 1.00 s | rtt=U;;;0"))
        #expect(run.stdout.contains("(1 retransmission)"))
    }
}
