#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import SIPCore
import Synchronization
import Testing
import TestSupport
@testable import SIPMonitor
@testable import SIPTransport

/// The prober against small in-process SIP servers on loopback (port 0), with short timers.
@Suite struct ProberTests {
    /// A UDP server that hands each request to `answer`, which returns the datagrams to send back.
    final class Server: Sendable {
        let endpoint: UDPEndpoint
        let received = Mutex(0)

        init(group: any EventLoopGroup, answer: @escaping @Sendable (SIPMessage, Int) -> [SIPMessage]) async throws {
            let counter = Mutex(0)
            let box = Mutex<Server?>(nil)
            endpoint = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { inbound, ep in
                let n = counter.withLock { $0 += 1; return $0 }
                box.withLock { $0?.received.withLock { $0 = n } }
                guard let request = try? SIPMessage(parsing: inbound.bytes) else { return }
                for response in answer(request, n) { ep.send(Array(response.rawBytes), to: inbound.source, flush: true) }
            }
            box.withLock { $0 = self }
        }

        var target: ProbeTarget { try! ProbeTarget(parsing: "sip:127.0.0.1:\(endpoint.localAddress.port!)") }
    }

    static func ok(_ r: SIPMessage) -> SIPMessage { try! .response(to: r, statusCode: 200, reason: "OK", toTag: "t1") }

    let group = MultiThreadedEventLoopGroup.singleton

    @Test func anAnswerEndsTheProbeWithItsRTTAndNoRetransmission() async throws {
        let server = try await Server(group: group) { r, _ in [Self.ok(r)] }
        // T1 of 2 s (4 s to the timeout's 5 s): a busy test machine may delay the answer past the default 0.5 s,
        // which would rightly retransmit; no retransmission means the answer ended the transaction.
        let result = await Prober(group: group, t1: .seconds(2)).probe(server.target)
        #expect(result.status == .ok)
        #expect(result.outcome == .answered(code: 200, reason: "OK"))
        #expect(result.observation.retransmissions == 0)
        #expect(try #require(result.rtt) < .seconds(2))
        #expect(result.observation.response?.callID == result.observation.request?.callID)
    }

    @Test func lostRequestsAreRetransmittedOnTimerE() async throws {
        let server = try await Server(group: group) { r, n in n <= 2 ? [] : [Self.ok(r)] }
        // Sends at 0, 50 and 150 ms; the third is answered. The next would go at 350 ms: an answer later than that on a
        // loaded machine crosses it (four sends, the last answered too). The intervals are ProbeCoreTests'.
        let prober = Prober(group: group, policy: .init(timeout: .seconds(2)), t1: .milliseconds(50), t2: .milliseconds(400))
        let result = await prober.probe(server.target)
        #expect(result.status == .ok)
        #expect((2...3).contains(result.observation.retransmissions), "\(result.observation.retransmissions)")
        #expect(server.received.withLock { $0 } >= 3, "the copies reached the peer")
        #expect(try #require(result.rtt) >= .milliseconds(150), "answered at the third transmission, 50 + 100 ms in")
    }

    @Test func aProvisionalAloneIsATimeoutAndIsReported() async throws {
        let server = try await Server(group: group) { r, n in
            n == 1 ? [try! .response(to: r, statusCode: 100, reason: "Trying", toTag: nil)] : []
        }
        let prober = Prober(group: group, policy: .init(timeout: .milliseconds(1000)), t1: .milliseconds(50),
                            t2: .milliseconds(400))
        let result = await prober.probe(server.target)
        #expect(result.outcome == .timeout)
        #expect(result.status == .critical)
        #expect(result.observation.provisional == [100])
        // With the 100 at once, Timer E fires at T1 (50 ms), then every T2: 50, 450 and 850 ms, the next (1,250 ms)
        // after the timeout. On a loaded machine the 100 may come after the first copy: the E armed before it fires
        // once more, at 150 ms, and then every T2 (550, 950 ms): four. The exact intervals are ProbeCoreTests' (a
        // fake clock); here, that the probe went on retransmitting through the provisional and then timed out.
        #expect((3...4).contains(result.observation.retransmissions), "\(result.observation.retransmissions)")
        #expect(result.problems.first?.contains("last provisional 100") == true)
    }

    @Test func anAnswerToAnotherRequestIsIgnored() async throws {
        let server = try await Server(group: group) { r, _ in
            [try! .response(200, reason: "OK", headers: [("Via", "SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bK-other"),
                                                        ("Call-ID", "someone-else"), ("CSeq", "1 OPTIONS")])]
        }
        // The stray answer comes back at once, but a loaded machine may take long to deliver it: 2 s before the
        // probe gives up, which it must, as no answer to it ever comes.
        let result = await Prober(group: group, policy: .init(timeout: .seconds(2))).probe(server.target)
        #expect(result.outcome == .timeout)
        #expect(result.observation.strayDatagrams >= 1)
    }

    @Test func aClosedPortIsCriticalAtOnce() async throws {
        // A port outside the ephemeral range: a socket another test binds to port 0 cannot be given it.
        let target = try ProbeTarget(parsing: "sip:127.0.0.1:\(try #require(closedLoopbackUDPPort()))")
        // The kernel rate-limits ICMP errors machine-wide (net.ipv4.icmp_msgs_per_sec), so on a busy machine one
        // may be dropped and that probe times out instead: still CRITICAL. At least one of three sees the ICMP.
        let prober = Prober(group: group, policy: .init(timeout: .seconds(1)))
        var unreachable: ProbeResult?
        for _ in 0..<3 where unreachable == nil {
            let result = await prober.probe(target)
            #expect(result.status == .critical)
            if result.outcome == .portUnreachable { unreachable = result }
        }
        let result = try #require(unreachable, "no ICMP port-unreachable in three probes")
        // Measured on the socket's event loop from the send to the ICMP error, so a busy test machine does not
        // count; no retransmission went out, so Timer E never fired.
        #expect(try #require(result.rtt) < .seconds(1), "not a timeout")
        #expect(result.observation.retransmissions == 0)
    }

    /// Skipped, and so reported, on a machine without an IPv6 loopback (a container started without IPv6).
    @Test(.enabled(if: Loopback.hasIPv6, "no IPv6 loopback (::1 cannot be bound) here"))
    func anIPv6TargetIsProbedOverIPv6() async throws {
        let endpoint = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "::1", port: 0), on: group) { inbound, ep in
            guard let r = try? SIPMessage(parsing: inbound.bytes) else { return }
            ep.send(Array(Self.ok(r).rawBytes), to: inbound.source, flush: true)
        }
        let result = await Prober(group: group).probe(try ProbeTarget(parsing: "sip:[::1]:\(endpoint.localAddress.port!)"))
        #expect(result.status == .ok)
        #expect(result.observation.address == "[::1]:\(endpoint.localAddress.port!)")
        #expect(result.observation.request?.topVia?.host.string == "[::1]")
        try await endpoint.close()
    }

    @Test func aClosedAddressFallsThroughToTheNextOne() async throws {
        let server = try await Server(group: group) { r, _ in [Self.ok(r)] }
        let live = server.endpoint.localAddress
        let dead = try SocketAddress(ipAddress: "127.0.0.1", port: try #require(closedLoopbackUDPPort()))
        // As `localhost` resolving to ::1 first when the server listens on 127.0.0.1 only.
        // (ICMP may be rate-limited on a busy machine, then that probe times out: one of three must fall through.)
        let prober = Prober(group: group, policy: .init(timeout: .milliseconds(500))) { _ in [dead, live] }
        var ok: ProbeResult?
        for _ in 0..<3 where ok == nil {
            let result = await prober.probe(try ProbeTarget(parsing: "sip:localhost.test:5060"))
            if result.status == .ok { ok = result }
        }
        #expect(try #require(ok).observation.address == "127.0.0.1:\(live.port!)")
    }

    @Test func aNameThatDoesNotResolveIsUnknown() async throws {
        let prober = Prober(group: group) { _ in throw TargetResolver.Failure(description: "Name or service not known") }
        let result = await prober.probe(try ProbeTarget(parsing: "sip:no-such-host.test"))
        #expect(result.status == .unknown)
        #expect(result.problems == ["cannot resolve no-such-host.test: Name or service not known"])
    }

    @Test func tcpIsNotImplementedYetAndSaysSo() async throws {
        let result = await Prober(group: group).probe(try ProbeTarget(parsing: "sip:127.0.0.1:5060;transport=tcp"))
        #expect(result.status == .critical)
        #expect(result.problems.first?.contains("not implemented") == true)
    }
}

/// What the loopback interface offers, found before the tests that need it run.
enum Loopback {
    /// Whether a UDP socket can be bound to `[::1]:0`.
    static let hasIPv6: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
            }
        }
    }()
}
