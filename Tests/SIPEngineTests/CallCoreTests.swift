import NIOCore
import SIPCore
import SIPFlow
import SIPTransaction
import SIPTransport
import Testing
@testable import SIPEngine

/// Whole calls driven on a shard whose host is a `TestHost`: the test is the peer and the clock, and nothing touches a
/// socket, an event loop or real time. Each test reads like a ladder: what the shard sent, what the test answers,
/// at which instant; RFC 3261's timers run in fake seconds (timer B's 32 s take no time).
@Suite struct CallCoreTests {
    static let peer = try! SocketAddress(ipAddress: "127.0.0.1", port: 5060)
    static func at(_ ms: Int) -> SIPInstant { .at(.milliseconds(ms)) }

    /// A caller of basic-call on a test host, with one call due at 0.
    static func caller(conformance: EngineConfiguration.ConformanceMode = .warn,
                       flow name: String = "basic-call") throws -> (TestHost, Shard) {
        let flow = try EngineLoopbackTests.flow(name)
        var config = EngineConfiguration(role: .initiator, flowName: flow.name, program: flow.initiatorProgram,
                                         target: peer, requestURI: "sip:uas@127.0.0.1:5060",
                                         bindAddress: try SocketAddress(ipAddress: "192.0.2.10", port: 5070))
        config.rate = RateController(rate: 10, maxCalls: 1)
        config.conformance = conformance
        let host = TestHost()
        let shard = host.shard(config)
        shard.begin(origin: .zero)
        host.run(shard, until: at(1))
        return (host, shard)
    }

    /// The callee of basic-call on a test host.
    static func callee() throws -> (TestHost, Shard) {
        let flow = try EngineLoopbackTests.flow("basic-call")
        let config = EngineConfiguration(role: .responder, flowName: flow.name, program: flow.responderProgram,
                                         target: nil, requestURI: "sip:uas@192.0.2.10:5070",
                                         bindAddress: try SocketAddress(ipAddress: "192.0.2.10", port: 5070))
        let host = TestHost()
        let shard = host.shard(config)
        shard.begin(origin: .zero)
        return (host, shard)
    }

    /// The test's peer sends `message` at `ms`; the shard handles it and runs what comes due until then.
    static func deliver(_ message: SIPMessage, to shard: Shard, on host: TestHost, at ms: Int) {
        host.run(shard, until: at(ms))
        shard.handle(InboundMessage(bytes: Array(message.rawBytes), source: peer, local: host.localAddress!, transport: .udp,
                                    receivedAt: .uptimeNanoseconds(at(ms).nanoseconds)))
    }

    static func sent(_ host: TestHost, _ i: Int) throws -> SIPMessage { try SIPMessage(parsing: host.sent[i].bytes) }

    static func answer(_ request: SIPMessage, _ code: Int, tag: String? = "uas", extra: [(String, String)] = []) throws -> SIPMessage {
        let reason = [100: "Trying", 180: "Ringing", 200: "OK", 486: "Busy Here", 487: "Request Terminated"][code] ?? "Other"
        return try SIPMessage.response(to: request, statusCode: code, reason: reason, toTag: tag, extraHeaders: extra)
    }

    static let contact = [("Contact", "<sip:uas@127.0.0.1:5060>")]

    @Test func aCallerCompletesABasicCall() throws {
        let (host, shard) = try Self.caller()
        #expect(host.sentLines == ["INVITE sip:uas@127.0.0.1:5060 SIP/2.0"])
        let invite = try Self.sent(host, 0)
        Self.deliver(try Self.answer(invite, 100, tag: nil), to: shard, on: host, at: 5)
        Self.deliver(try Self.answer(invite, 180), to: shard, on: host, at: 10)
        Self.deliver(try Self.answer(invite, 200, extra: Self.contact), to: shard, on: host, at: 20)
        #expect(host.sentLines.count == 2 && host.sentLines[1] == "ACK sip:uas@127.0.0.1:5060 SIP/2.0")
        host.run(shard, until: Self.at(200))  // the flow's pause (50 ms here)
        let bye = try #require(host.sentLines.firstIndex { $0.hasPrefix("BYE ") })
        Self.deliver(try Self.answer(try Self.sent(host, bye), 200), to: shard, on: host, at: 210)
        host.run(shard, until: Self.at(5_000))
        #expect(shard.stats.completed == 1 && shard.stats.failed == 0, "\(shard.stats.failures)")
        #expect(shard.stats.messagesSent == 3 && shard.stats.messagesReceived == 4, "\(host.sentLines) \(shard.stats.messagesSent) \(shard.stats.messagesReceived)")
        #expect(shard.calls.count == 0, "the call let go of its state")
    }

    /// An INVITE nobody answers: timer A re-sends it at 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s, timer B ends it at 32 s
    /// (RFC 3261 §17.1.1.2); nothing came, so nothing is CANCELled (§9.1).
    @Test func anUnansweredInviteIsRetransmittedThenTimesOut() throws {
        let (host, shard) = try Self.caller()
        host.run(shard, until: Self.at(31_000))
        #expect(host.sent.count == 6)
        host.run(shard, until: Self.at(40_000))
        #expect(host.sent.count == 7 && host.sentLines.allSatisfy { $0.hasPrefix("INVITE ") })
        #expect(shard.stats.failed == 1, "\(shard.stats.failures)")
        #expect(shard.stats.retransmissions == 6)
    }

    /// A 200 that breaks a rule, with `--conformance error`: the call fails, and the 200 is still ACKed and its
    /// dialog ended with BYE (RFC 3261 §13.2.2.4, §15).
    @Test func a2xxThatBreaksARuleIsAcknowledgedAndEnded() throws {
        let (host, shard) = try Self.caller(conformance: .error)
        let invite = try Self.sent(host, 0)
        let bad = try SIPMessage(parsing: Array(String(decoding: try Self.answer(invite, 200, extra: Self.contact).rawBytes, as: UTF8.self)
            .replacingOccurrences(of: "CSeq: 1 INVITE", with: "CSeq: 7 INVITE").utf8))
        Self.deliver(bad, to: shard, on: host, at: 20)
        #expect(host.sentLines.dropFirst().map { String($0.prefix(4)) } == ["ACK ", "BYE "], "\(host.sentLines)")
        #expect(shard.stats.failures[.conformanceError] == 1)
        #expect(shard.stats.conformance["rfc3261.8.2.6.2.cseq-copied"] != nil)
        let bye = try Self.sent(host, 2)
        Self.deliver(try Self.answer(bye, 200), to: shard, on: host, at: 30)
        host.run(shard, until: Self.at(1_000))
        #expect(host.sent.count == 3, "the BYE was answered: nothing more")
        #expect(shard.calls.count == 0)
    }

    /// A 180 and then nothing: the step times out, and the INVITE is CANCELled; the 487 that answers it is ACKed
    /// (RFC 3261 §9.1, §17.1.1.3).
    @Test func aRingingCallThatIsNeverAnsweredIsCancelled() throws {
        let (host, shard) = try Self.caller()
        let invite = try Self.sent(host, 0)
        Self.deliver(try Self.answer(invite, 180), to: shard, on: host, at: 10)
        host.run(shard, until: Self.at(40_000))
        let cancel = try #require(host.sentLines.firstIndex { $0.hasPrefix("CANCEL ") }, "\(host.sentLines)")
        #expect(shard.stats.failures[.timeout] == 1, "\(shard.stats.failures)")
        Self.deliver(try Self.answer(try Self.sent(host, cancel), 200), to: shard, on: host, at: 40_010)
        Self.deliver(try Self.answer(invite, 487), to: shard, on: host, at: 40_020)
        #expect(host.sentLines.last == "ACK sip:uas@127.0.0.1:5060 SIP/2.0")
        #expect(!host.sentLines.contains { $0.hasPrefix("BYE ") })
    }

    /// The callee answers 180 and 200; the caller never ACKs: the 200 is re-sent at T1 doubling to T2 until timer L
    /// (64·T1) ends the wait, and the dialog is ended with BYE (RFC 3261 §13.3.1.4, RFC 6026).
    @Test func aCalleeWhoseACKNeverComesSendsBye() throws {
        let (host, shard) = try Self.callee()
        let invite = try SIPMessage(parsing: Array(("INVITE sip:uas@192.0.2.10:5070 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKcaller1\r\nMax-Forwards: 70\r\n"
            + "From: <sip:uac@127.0.0.1>;tag=uac\r\nTo: <sip:uas@192.0.2.10>\r\nCall-ID: core1@127.0.0.1\r\n"
            + "CSeq: 1 INVITE\r\nContact: <sip:uac@127.0.0.1:5060>\r\nContent-Length: 0\r\n\r\n").utf8))
        Self.deliver(invite, to: shard, on: host, at: 0)
        host.run(shard, until: Self.at(10))
        #expect(host.sentLines.contains("SIP/2.0 200 OK"), "\(host.sentLines)")
        host.run(shard, until: Self.at(40_000))
        let oks = host.sentLines.filter { $0 == "SIP/2.0 200 OK" }.count
        #expect(oks >= 8, "the 200 re-sent until timer L: \(oks)")
        #expect(host.sentLines.contains { $0.hasPrefix("BYE sip:uac@127.0.0.1:5060 ") }, "\(host.sentLines)")
        #expect(shard.stats.failed == 1, "\(shard.stats.failures)")
    }

    static func rewritten(_ message: SIPMessage, _ from: String, _ to: String) throws -> SIPMessage {
        try SIPMessage(parsing: Array(String(decoding: message.rawBytes, as: UTF8.self).replacingOccurrences(of: from, with: to).utf8))
    }

    /// A second 2xx with another To tag (a fork): its own ACK and a BYE, while the call's dialog goes on
    /// (RFC 3261 §13.2.2.4, §12.1.2).
    @Test func aForkedSecond2xxIsAcknowledgedAndEnded() throws {
        let (host, shard) = try Self.caller()
        let invite = try Self.sent(host, 0)
        Self.deliver(try Self.answer(invite, 200, tag: "a", extra: Self.contact), to: shard, on: host, at: 20)
        Self.deliver(try Self.answer(invite, 200, tag: "b", extra: Self.contact), to: shard, on: host, at: 25)
        let lines = host.sentLines
        #expect(lines.filter { $0.hasPrefix("ACK ") }.count == 2, "\(lines)")
        let bye = try #require(host.sent.firstIndex { String(decoding: $0.bytes.prefix(4), as: UTF8.self) == "BYE " })
        #expect(try Self.sent(host, bye).to?.tag == "b", "the fork's dialog is ended")
        #expect(shard.stats.failed == 0 && shard.calls.count == 1, "the call goes on in its own dialog")
    }

    /// A broken 2xx, sent again after the call failed on it: the same ACK again, no second BYE.
    @Test func aRetransmitted2xxAfterTheFailureGetsTheSameACK() throws {
        let (host, shard) = try Self.caller(conformance: .error)
        let invite = try Self.sent(host, 0)
        let bad = try Self.rewritten(try Self.answer(invite, 200, extra: Self.contact), "CSeq: 1 INVITE", "CSeq: 7 INVITE")
        Self.deliver(bad, to: shard, on: host, at: 20)
        let ack = try #require(host.sent.first { String(decoding: $0.bytes.prefix(4), as: UTF8.self) == "ACK " })
        Self.deliver(bad, to: shard, on: host, at: 520)
        #expect(host.sent.filter { $0.bytes == ack.bytes }.count == 2, "\(host.sentLines)")
        #expect(host.sentLines.filter { $0.hasPrefix("BYE ") }.count == 1)
    }

    /// A call that fails on a broken 180 is CANCELled; a 200 that crosses the CANCEL is ACKed and its dialog ended
    /// (RFC 3261 §9.1, §15).
    @Test func a2xxCrossingTheCancelIsAcknowledgedAndEnded() throws {
        let (host, shard) = try Self.caller(conformance: .error)
        let invite = try Self.sent(host, 0)
        let untagged = try Self.answer(invite, 180, tag: nil)
        Self.deliver(try Self.rewritten(untagged, "100 Trying", "180 Ringing"), to: shard, on: host, at: 10)
        #expect(host.sentLines.last?.hasPrefix("CANCEL ") == true, "\(host.sentLines)")
        Self.deliver(try Self.answer(invite, 200, extra: Self.contact), to: shard, on: host, at: 15)
        #expect(Array(host.sentLines.suffix(2).map { String($0.prefix(4)) }) == ["ACK ", "BYE "], "\(host.sentLines)")
        #expect(shard.stats.failures[.conformanceError] == 1)
    }

    /// The transport could not send the INVITE: the call fails at once with the reason, and its transaction ends
    /// (no retransmissions follow).
    @Test func aFailedSendEndsTheCallAtOnce() throws {
        let (host, shard) = try Self.caller()
        shard.sendFailed(SendFailure(bytes: host.sent[0].bytes, destination: Self.peer, reason: "Connection refused (ICMP port unreachable)"))
        #expect(shard.stats.failures[.sendError] == 1)
        #expect(shard.stats.failureExamples[.sendError]?.contains("cannot send the INVITE to 127.0.0.1:5060: Connection refused") == true)
        host.run(shard, until: Self.at(40_000))
        #expect(host.sent.count == 1, "no retransmission: \(host.sentLines)")
    }

    /// A response that matches no transaction (another branch) is a finding naming what differed; the call goes on.
    @Test func anUnmatchedResponseIsAFinding() throws {
        let (host, shard) = try Self.caller()
        let invite = try Self.sent(host, 0)
        let stray = try Self.rewritten(try Self.answer(invite, 180), "branch=z9hG4bK", "branch=z9hG4bKzz")
        Self.deliver(stray, to: shard, on: host, at: 10)
        let finding = try #require(shard.stats.conformance["rfc3261.17.1.3.response-matches-transaction"])
        #expect(finding.firstExample.contains("closest is the INVITE"), "\(finding.firstExample)")
        #expect(shard.stats.failed == 0)
    }

    /// Ctrl-C (`Engine.abortCalls`): a confirmed call is ended with BYE and counted as aborted.
    @Test func anAbortedCallIsEndedWithBye() throws {
        let (host, shard) = try Self.caller(flow: "basic-call")
        let invite = try Self.sent(host, 0)
        Self.deliver(try Self.answer(invite, 200, extra: Self.contact), to: shard, on: host, at: 20)
        shard.abortQueue = shard.calls.values.filter { !$0.finished }
        shard.armTick(after: .milliseconds(1))
        host.run(shard, until: Self.at(30))
        #expect(host.sentLines.last?.hasPrefix("BYE ") == true, "\(host.sentLines)")
        #expect(shard.stats.failures[.aborted] == 1)
    }
}
