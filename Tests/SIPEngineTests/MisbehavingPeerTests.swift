import Foundation
import NIOCore
import SIPFlow
import SIPTransaction
import Testing
import TestSupport
@testable import SIPEngine

/// The caller against callees that each break one response rule (RFC 3261 §8.2.6, §12.1, §13.3.1.4, §17.1.3, §18.3,
/// §20): each call fails with the rule named, and still ends properly with the peer — ACK for every 2xx and BYE for
/// its dialog, or CANCEL for an INVITE without a final response — and the engine is done at once, not after the
/// peer's retransmission timers.
@Suite(.serialized) struct MisbehavingPeerTests {
    enum Ending: Sendable, CustomStringConvertible {
        /// The 2xx is acknowledged and its dialog ended with BYE.
        case ackAndBye
        /// The INVITE is cancelled (a provisional came, no usable final).
        case cancel

        var description: String { self == .ackAndBye ? "ACK and BYE" : "CANCEL" }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let script: ScriptedUAS.Script
        let rule: String
        /// The 180 cases do not answer: a 200 sent at once would cross the CANCEL (that case has a test of its own).
        let ending: Ending
        var testDescription: String { name }
    }

    static let calls = 2
    static let t1 = Duration.milliseconds(50)

    static func withoutTag(_ value: String?) -> String { (value ?? "").components(separatedBy: ";tag=")[0] }

    static let cases: [Case] = [
        Case(name: "180 without a To tag", script: .init(ringing: { $0.replace("To", with: withoutTag($0.value("To"))) }, answer: false),
             rule: "rfc3261.8.2.6.2.to-tag", ending: .cancel),
        Case(name: "180 with another Via branch",
             script: .init(ringing: { $0.replace("Via", with: $0.value("Via")!.replacingOccurrences(of: "branch=", with: "branch=z9hG4bKx")) },
                           answer: false),
             rule: "rfc3261.17.1.3.response-matches-transaction", ending: .cancel),
        Case(name: "180 with another From tag",
             script: .init(ringing: { $0.replace("From", with: withoutTag($0.value("From")) + ";tag=changed") }, answer: false),
             rule: "rfc3261.8.2.6.2.from-copied", ending: .cancel),
        Case(name: "200 with another From tag",
             script: .init(ok: { $0.replace("From", with: withoutTag($0.value("From")) + ";tag=changed") }),
             rule: "rfc3261.8.2.6.2.from-copied", ending: .ackAndBye),
        Case(name: "200 with another CSeq number",
             script: .init(ok: { $0.replace("CSeq", with: "7 INVITE") }),
             rule: "rfc3261.8.2.6.2.cseq-copied", ending: .ackAndBye),
        Case(name: "200 with CSeq method BYE",
             script: .init(ok: { $0.replace("CSeq", with: $0.value("CSeq")!.replacingOccurrences(of: "INVITE", with: "BYE")) }),
             rule: "rfc3261.17.1.3.response-matches-transaction", ending: .cancel),
        Case(name: "200 with another Via sent-by",
             script: .init(ok: { $0.replace("Via", with: $0.value("Via")!.replacingOccurrences(of: "127.0.0.1:", with: "127.0.0.9:")) }),
             rule: "rfc3261.8.2.6.2.via-copied", ending: .ackAndBye),
        Case(name: "200 with a second Via",
             script: .init(ok: { r in
                 let i = r.headers.firstIndex { $0.name == "Via" }!
                 r.headers.insert(("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKproxy"), at: i + 1)
             }),
             rule: "rfc3261.18.1.2.single-via", ending: .ackAndBye),
        Case(name: "200 with another To URI",
             script: .init(ok: { $0.replace("To", with: "<sip:someone-else@127.0.0.1>;tag=uas-tag") }),
             rule: "rfc3261.8.2.6.2.to-copied", ending: .ackAndBye),
        Case(name: "200 without Contact", script: .init(ok: { $0.remove("Contact") }),
             rule: "rfc3261.13.3.1.4.contact-in-2xx", ending: .ackAndBye),
        Case(name: "200 with two Call-ID headers",
             script: .init(ok: { r in r.headers.append(("Call-ID", r.value("Call-ID")!)) }),
             rule: "rfc3261.7.3.1.single-valued-header", ending: .ackAndBye),
        Case(name: "200 without From", script: .init(ok: { $0.remove("From") }),
             rule: "rfc3261.8.2.6.2.required-header", ending: .ackAndBye),
    ]

    struct Outcome {
        var stats: CallStatistics
        /// From the peer's first receipt to its last (the ending's ACK, BYE or CANCEL included), on the peer's own
        /// thread: what the calls took on the wire. A wall-clock span measured by the test would also count the
        /// time the test task waits for a thread of Swift's shared pool, which other suites' CPU-bound tests hold
        /// (13–16 s seen on 2 cores); the engine's and the peer's threads are not in that pool.
        var exchange: Duration
        /// Calls still held for their transactions a moment after the last ended.
        var held: Int
    }

    /// Runs `calls` calls of basic-call with `--conformance error` against `peer`.
    /// The engine's T1 is the default (500 ms), so its timers (64·T1, 32 s) are far from the exit times asserted;
    /// `t1` shortens them for a test that waits for a timeout.
    static func run(against peer: ScriptedUAS, calls: Int = MisbehavingPeerTests.calls,
                    conformance: EngineConfiguration.ConformanceMode = .error,
                    t1: Duration = .milliseconds(500)) async throws -> Outcome {
        let flow = try EngineLoopbackTests.flow("basic-call")
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: peer.port)
        var config = EngineConfiguration(role: .initiator, flowName: flow.name, program: flow.initiatorProgram,
                                         target: target, requestURI: "sip:uas@127.0.0.1:\(peer.port)",
                                         bindAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        config.rate = RateController(rate: 20, maxCalls: calls)
        config.conformance = conformance
        config.transactions = TransactionConfiguration(t1: t1)
        let engine = Engine(configuration: config)
        // Within 20 s, so before any of the engine's timers (64·T1 = 32 s) could have ended a call.
        try await engine.start()
        try await EngineLoopbackTests.waitFinished(engine, within: .seconds(20))
        try await Task.sleep(for: .milliseconds(600))  // the ending's BYE or CANCEL and its answer
        let stats = await engine.collect().interval
        let held = await engine.callsHeld()
        await engine.shutdown()
        peer.stop()
        let received = peer.receivedAll()  // in the order received
        let exchange = received.isEmpty ? .zero : received.last!.at - received.first!.at
        return Outcome(stats: stats, exchange: exchange, held: held)
    }

    @Test(arguments: cases)
    func aBrokenResponseFailsTheCallWhichStillEndsProperly(_ c: Case) async throws {
        let peer = try ScriptedUAS(c.script, t1: Self.t1)
        let o = try await Self.run(against: peer)
        let n = Self.calls
        #expect(o.stats.failures[.conformanceError] == UInt64(n), "\(c.name): \(o.stats.failures) \(o.stats.failureExamples)")
        #expect(o.stats.conformance[c.rule] != nil, "\(c.name): findings \(o.stats.conformance.keys.sorted())")
        #expect(o.stats.failureExamples[.conformanceError]?.contains(c.rule) == true,
                "\(c.name): \(o.stats.failureExamples)")
        // Both calls start within 50 ms and fail on their first broken response, and their endings follow at once:
        // some 50 ms on the wire, far from the timer that would otherwise end them (64·T1 = 32 s); the bound is
        // loose for a busy test machine.
        #expect(o.exchange < .seconds(10), "\(c.name): the exchange took \(o.exchange)")
        switch c.ending {
        case .ackAndBye:
            #expect(peer.calls("ACK") == n, "\(c.name): ACKs")
            #expect(peer.calls("BYE") == n, "\(c.name): BYEs")
            #expect(peer.received("CANCEL").isEmpty, "\(c.name): CANCELs")
            // Each ACK stopped the 200's retransmissions: at most one copy beyond the first went out.
            #expect(peer.sent("200 INVITE") <= 2 * n, "\(c.name): 200s sent \(peer.sent("200 INVITE"))")
            #expect(o.held == 0, "\(c.name): calls still held \(o.held)")
            for ack in peer.received("ACK") {
                #expect(ScriptedUAS.header("CSeq", in: ack.text) == "1 ACK", "\(c.name): \(ack.text)")
            }
        case .cancel:
            #expect(peer.calls("CANCEL") == n, "\(c.name): CANCELs")
            #expect(peer.received("BYE").isEmpty, "\(c.name): BYEs")
        }
    }

    /// A 2xx from a second fork (another To tag): acknowledged and ended with BYE, while the call goes on in the
    /// first dialog and completes.
    @Test func aForkedSecond2xxIsAcknowledgedAndEnded() async throws {
        let peer = try ScriptedUAS(.init(fork: true), t1: Self.t1)
        let o = try await Self.run(against: peer)
        let n = Self.calls
        #expect(o.stats.completed == UInt64(n), "\(o.stats.failures) \(o.stats.failureExamples)")
        let acks = peer.received("ACK"), byes = peer.received("BYE")
        #expect(acks.count == 2 * n, "one ACK for each 2xx")
        #expect(acks.filter { ScriptedUAS.header("To", in: $0.text)?.hasSuffix("tag=fork-tag") == true }.count == n)
        #expect(byes.count == 2 * n, "the flow's BYE and the fork's")
        #expect(byes.filter { ScriptedUAS.header("To", in: $0.text)?.hasSuffix("tag=fork-tag") == true }.count == n)
    }

    /// A 200 that crosses the CANCEL of a call that failed on its 180: it is acknowledged and its dialog ended with
    /// BYE (RFC 3261 §9.1, §15).
    @Test func a2xxCrossingTheCancelIsAcknowledgedAndEnded() async throws {
        let peer = try ScriptedUAS(.init(ringing: { $0.replace("To", with: Self.withoutTag($0.value("To"))) }), t1: Self.t1)
        let o = try await Self.run(against: peer)
        let n = Self.calls
        #expect(o.stats.failures[.conformanceError] == UInt64(n), "\(o.stats.failures)")
        #expect(peer.calls("CANCEL") == n)
        #expect(peer.calls("ACK") == n, "the ACK for each 200")
        #expect(peer.calls("BYE") == n, "the BYE for each 200's dialog")
        #expect(o.held == 0)
    }

    /// A callee that never answers after its 180: the call fails on the step's timeout and is cancelled; the 487
    /// the CANCEL brings is acknowledged by the INVITE transaction (RFC 3261 §17.1.1.3).
    @Test func anUnansweredInviteIsCancelled() async throws {
        let peer = try ScriptedUAS(.init(answer: false), t1: Self.t1)
        let o = try await Self.run(against: peer, t1: Self.t1)  // the step's timeout: 64·T1 = 3.2 s
        let n = Self.calls
        #expect(o.stats.failures[.timeout] == UInt64(n), "\(o.stats.failures)")
        #expect(peer.calls("CANCEL") == n)
        #expect(peer.calls("ACK") == n, "the ACK for each 487")
        #expect(peer.received("BYE").isEmpty)
    }

    /// A datagram that does not parse is counted with its source and the parse error, and kept; the calls go on.
    @Test func anUnparsableDatagramIsReportedWithItsSource() async throws {
        let peer = try ScriptedUAS(.init(before200: ["\u{1}\u{2} this is not SIP\r\n\r\n"]), t1: Self.t1)
        let o = try await Self.run(against: peer)
        #expect(o.stats.completed == UInt64(Self.calls), "\(o.stats.failures) \(o.stats.failureExamples)")
        #expect(o.stats.unparsed == UInt64(Self.calls))
        let example = try #require(o.stats.unparsedExamples.first)
        #expect(example.source == "127.0.0.1:\(peer.port)")
        #expect(example.firstBytes.hasPrefix("\\x01\\x02 this is not SIP\\r\\n"), "\(example.firstBytes)")
        #expect(!example.error.isEmpty)
        #expect(o.stats.conformance["rfc3261.7.start-line"] != nil, "\(o.stats.conformance.keys.sorted())")
    }

    /// With `--conformance warn` (the default) a broken 2xx is counted, and the call completes: the ACK and the BYE
    /// are the flow's own.
    @Test func aBrokenResponseOnlyWarnsByDefault() async throws {
        let peer = try ScriptedUAS(.init(ok: { $0.replace("CSeq", with: "7 INVITE") }), t1: Self.t1)
        let o = try await Self.run(against: peer, conformance: .warn)
        #expect(o.stats.completed == UInt64(Self.calls), "\(o.stats.failures) \(o.stats.failureExamples)")
        #expect(o.stats.conformance["rfc3261.8.2.6.2.cseq-copied"]?.count == UInt64(Self.calls))
        #expect(peer.calls("ACK") == Self.calls)
        #expect(peer.calls("BYE") == Self.calls)
    }
}

/// A message the kernel refuses to send (here port 0: `EINVAL`, and nothing leaves the machine) fails its call at
/// once with the system's reason (RFC 3261 §18.4, §17.1.1.2), not after timer B.
@Suite struct SendFailureTests {
    @Test func aSendTheKernelRefusesFailsTheCallAtOnce() async throws {
        let flow = try EngineLoopbackTests.flow("basic-call")
        var config = EngineConfiguration(role: .initiator, flowName: flow.name, program: flow.initiatorProgram,
                                         target: try SocketAddress(ipAddress: "127.0.0.1", port: 0),
                                         requestURI: "sip:uas@127.0.0.1",
                                         bindAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        config.rate = RateController(rate: 20, maxCalls: 2)
        let engine = Engine(configuration: config)
        try await engine.start()
        try await EngineLoopbackTests.waitFinished(engine, within: .seconds(20))  // timer B would take 32 s
        try await Task.sleep(for: .milliseconds(100))
        let stats = await engine.collect().interval
        let held = await engine.callsHeld()
        await engine.shutdown()
        #expect(stats.failures[.sendError] == 2, "\(stats.failures) \(stats.failureExamples)")
        let example = try #require(stats.failureExamples[.sendError])
        #expect(example.contains("cannot send the INVITE to 127.0.0.1:0: Invalid argument"), "\(example)")
        // At once: timer A (T1 = 0.5 s) never fired, as it would have had a call waited for timer B.
        #expect(stats.retransmissions == 0, "\(stats.retransmissions) retransmissions")
        #expect(held == 0, "the INVITE transactions ended with the failure")
    }
}

/// A target where nothing listens answers each datagram with ICMP port unreachable: the calls fail at once as
/// `send-error` with that reason (RFC 3261 §18.4), in both reading modes, and the socket stays usable throughout.
@Suite(.serialized) struct PortUnreachableTests {
    @Test(arguments: [Duration.zero, .milliseconds(1)])
    func callsToAPortWhereNothingListensFailAtOnce(batchInterval: Duration) async throws {
        let closed = try #require(closedLoopbackUDPPort())
        let flow = try EngineLoopbackTests.flow("basic-call")
        var config = EngineConfiguration(role: .initiator, flowName: flow.name, program: flow.initiatorProgram,
                                         target: try SocketAddress(ipAddress: "127.0.0.1", port: closed),
                                         requestURI: "sip:uas@127.0.0.1:\(closed)",
                                         bindAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        config.rate = RateController(rate: 200, maxCalls: 40)
        config.batchInterval = batchInterval
        let engine = Engine(configuration: config)
        try await engine.start()
        try await EngineLoopbackTests.waitFinished(engine, within: .seconds(20))  // timer B would take 32 s
        let stats = await engine.collect().interval
        await engine.shutdown()
        #expect(stats.failures[.sendError] == 40, "\(stats.failures) \(stats.failureExamples)")
        let example = try #require(stats.failureExamples[.sendError])
        #expect(example.contains("cannot send the INVITE to 127.0.0.1:\(closed): Connection refused (ICMP port unreachable)"),
                "\(example)")
        // At once: timer A (T1 = 0.5 s) never fired, as it would have had a call waited for timer B.
        #expect(stats.retransmissions == 0, "\(stats.retransmissions) retransmissions")
    }
}

/// The callee against callers that misbehave: one that never acknowledges the 200 gets a BYE once timer L ends
/// the wait (RFC 3261 §13.3.1.4, §15), and a request the flow rejects is answered, not left to time out.
@Suite(.serialized) struct MisbehavingCallerTests {
    static let t1 = Duration.milliseconds(50)

    static func serve(_ yaml: String) async throws -> Engine {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sipflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("flow.yaml")
        try yaml.write(to: path, atomically: true, encoding: .utf8)
        let flow = try FlowLoader.load(nameOrPath: path.path)
        return try await EngineLoopbackTests.startServer(flow) {
            $0.transactions = TransactionConfiguration(t1: t1, t2: .milliseconds(400))
            $0.conformance = .error
        }
    }

    static func invite(to port: Int, from peer: ScriptedUAC, subject: Bool = false) -> String {
        """
        INVITE sip:svc@127.0.0.1:\(port) SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:\(peer.port);branch=z9hG4bK-uac-1
        Max-Forwards: 70
        From: <sip:uac@127.0.0.1>;tag=uac-tag
        To: <sip:svc@127.0.0.1>
        Call-ID: misbehaving-caller-1@127.0.0.1
        CSeq: 1 INVITE
        Contact: <sip:uac@127.0.0.1:\(peer.port)>
        \(subject ? "Subject: hello\n" : "")Content-Length: 0


        """
    }

    static let answerFlow = """
        name: answer
        parties: [caller, callee]
        steps:
          - caller -> callee: INVITE
          - callee -> caller: 200
          - caller -> callee: ACK
          - caller -> callee: BYE
          - callee -> caller: 200

        """

    @Test func aCallerThatNeverAcknowledgesGetsABye() async throws {
        let server = try await Self.serve(Self.answerFlow)
        let port = try #require(server.localAddresses.first?.port)
        let peer = try ScriptedUAC(target: port)
        peer.send(Self.invite(to: port, from: peer))
        let ok = peer.receive(within: .seconds(5)) { $0.hasPrefix("SIP/2.0 200") }
        #expect(ok != nil, "the 200")
        // Timer L (64·T1 = 3.2 s) ends the wait for the ACK; then the callee ends the dialog it confirmed.
        let bye = peer.receive(within: .seconds(8)) { $0.hasPrefix("BYE ") }
        let text = try #require(bye, "the callee's BYE")
        #expect(ScriptedUAS.header("Call-ID", in: text) == "misbehaving-caller-1@127.0.0.1")
        #expect(ScriptedUAS.header("To", in: text) == "<sip:uac@127.0.0.1>;tag=uac-tag")
        #expect(text.hasPrefix("BYE sip:uac@127.0.0.1:\(peer.port) SIP/2.0"), "to the caller's Contact: \(text)")
        let stats = await server.collect().interval
        await server.shutdown()
        #expect(stats.failures[.timeout] == 1, "\(stats.failures) \(stats.failureExamples)")
    }

    @Test func aRequestTheFlowRejectsIsAnsweredWith500() async throws {
        let server = try await Self.serve("""
            name: picky
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
                assert:
                  - header: Subject
                    present: true
              - callee -> caller: 200
              - caller -> callee: ACK
              - caller -> callee: BYE
              - callee -> caller: 200

            """)
        let port = try #require(server.localAddresses.first?.port)
        let peer = try ScriptedUAC(target: port)
        peer.send(Self.invite(to: port, from: peer, subject: false))
        let answer = peer.receive(within: .seconds(5)) { $0.hasPrefix("SIP/2.0 5") || $0.hasPrefix("SIP/2.0 2") }
        let text = try #require(answer, "an answer to the INVITE")
        #expect(text.hasPrefix("SIP/2.0 500 "), "\(text)")
        #expect(ScriptedUAS.header("CSeq", in: text) == "1 INVITE")
        let stats = await server.collect().interval
        await server.shutdown()
        #expect(stats.failures[.assertionFailed] == 1, "\(stats.failures)")
    }
}

/// A caller on a UDP socket of 127.0.0.1 that a test drives by hand.
final class ScriptedUAC {
    let port: Int
    private let fd: Int32
    private var to: sockaddr_in

    init(target: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        let ok = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard fd >= 0, ok else { throw PeerFailure("cannot bind a UDP socket: errno \(errno)") }
        port = Int(UInt16(bigEndian: local.sin_port))
        to = sockaddr_in()
        to.sin_family = sa_family_t(AF_INET)
        to.sin_addr.s_addr = inet_addr("127.0.0.1")
        to.sin_port = in_port_t(UInt16(target).bigEndian)
    }

    deinit { close(fd) }

    /// Sends `text` with its line ends made CRLF.
    func send(_ text: String) {
        let bytes = Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
        _ = withUnsafePointer(to: &to) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    /// The next datagram whose text satisfies `wanted` (others are skipped), or nil after `limit`.
    func receive(within limit: Duration, where wanted: (String) -> Bool) -> String? {
        let deadline = ContinuousClock.now + limit
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 10) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let text = String(decoding: buffer[..<n], as: UTF8.self)
            if wanted(text) { return text }
        }
        return nil
    }
}
