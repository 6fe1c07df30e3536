import SIPCore
import SIPTransaction
import Testing
@testable import SIPMonitor

/// A probe's exchange driven as a transcript, with instants of the test's own: no socket, no loop, no sleeping
/// (RFC 3261 §17.1.2.2 Timer E, §17.1.3 matching).
@Suite struct ProbeCoreTests {
    static let request = try! SIPMessage(parsing: Array((
        "OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKprobe1;rport\r\n" +
        "Max-Forwards: 70\r\nFrom: <sip:ping@127.0.0.1>;tag=f1\r\nTo: <sip:127.0.0.1:5060>\r\n" +
        "Call-ID: probe1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").utf8))

    static func at(_ ms: Int) -> SIPInstant { .at(.milliseconds(ms)) }
    static func answer(_ code: Int, to request: SIPMessage = request) -> SIPMessage {
        try! SIPMessage.response(to: request, statusCode: code, reason: code == 100 ? "Trying" : "OK", toTag: "t1")
    }
    static func sends(_ actions: [ProbeCore.Action]) -> Int { actions.filter { if case .send = $0 { true } else { false } }.count }
    static func armedE(_ actions: [ProbeCore.Action]) -> Duration? {
        for case .arm(.timerE, let after) in actions { return after }
        return nil
    }

    func started(timeout: Duration = .seconds(5)) -> (ProbeCore, [ProbeCore.Action]) {
        var core = ProbeCore(timeout: timeout, t1: .milliseconds(500), t2: .seconds(4))
        let actions = core.handle(.start(Self.request), at: Self.at(0))
        return (core, actions)
    }

    @Test func theRequestIsSentWithTheTimeoutAndTimerEArmed() {
        let (_, actions) = started()
        #expect(actions.contains(.armTimeout(after: .seconds(5))))
        #expect(Self.sends(actions) == 1)
        #expect(Self.armedE(actions) == .milliseconds(500))
    }

    /// Timer E doubles from T1 to T2 (500 ms, 1 s, 2 s, 4 s, 4 s), each firing sending the request again.
    @Test func timerERetransmitsWithIntervalsDoublingToT2() {
        var (core, _) = started(timeout: .seconds(30))
        var t = 500
        var intervals: [Duration] = []
        for _ in 0..<5 {
            let actions = core.handle(.timer(.timerE), at: Self.at(t))
            #expect(Self.sends(actions) == 1)
            let next = Self.armedE(actions)!
            intervals.append(next)
            t += Int(next.components.seconds * 1000) + Int(next.components.attoseconds / 1_000_000_000_000_000)
        }
        #expect(intervals == [.seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])
        #expect(core.seen.retransmissions == 5)
    }

    /// After a provisional, Timer E fires at T2 (§17.1.2.2); the 200 ends the probe with the RTT from the start.
    @Test func aProvisionalThenTheFinalAnswer() {
        var (core, _) = started()
        #expect(core.handle(.datagram(Self.answer(100)), at: Self.at(20)) == [])
        #expect(Self.armedE(core.handle(.timer(.timerE), at: Self.at(500))) == .seconds(4))
        #expect(core.handle(.datagram(Self.answer(200)), at: Self.at(620)).last == .finish)
        #expect(core.seen.outcome == .answered(code: 200, reason: "OK"))
        #expect(core.seen.rtt == .milliseconds(620))
        #expect(core.seen.provisional == [100])
        #expect(core.seen.retransmissions == 1)
        #expect(core.handle(.datagram(Self.answer(200)), at: Self.at(700)) == [], "nothing after the end")
    }

    /// Datagrams that are not responses to the probe are counted, not taken (§17.1.3).
    @Test func strayDatagramsAreCountedAndIgnored() throws {
        var (core, _) = started()
        #expect(core.handle(.datagram(nil), at: Self.at(5)) == [])
        let other = try SIPMessage(parsing: Array(String(decoding: Self.request.rawBytes, as: UTF8.self)
            .replacingOccurrences(of: "z9hG4bKprobe1", with: "z9hG4bKother")
            .replacingOccurrences(of: "probe1@", with: "other@").utf8))
        #expect(core.handle(.datagram(Self.answer(200, to: other)), at: Self.at(6)) == [])
        #expect(core.seen.stray == 2)
        #expect(!core.isFinished)
    }

    @Test func theTimeoutEndsTheProbeWithoutAnRTT() {
        var (core, _) = started()
        #expect(core.handle(.timeout, at: Self.at(5000)) == [.finish])
        #expect(core.seen.outcome == .timeout && core.seen.rtt == nil)
    }

    @Test func portUnreachableEndsTheProbeAtOnceWithItsTime() {
        var (core, _) = started()
        #expect(core.handle(.socketError(portUnreachable: true, description: "refused"), at: Self.at(3)) == [.finish])
        #expect(core.seen.outcome == .portUnreachable && core.seen.rtt == .milliseconds(3))
        var (other, _) = started()
        _ = other.handle(.socketError(portUnreachable: false, description: "EPERM"), at: Self.at(3))
        #expect(other.seen.outcome == .transportError("socket error: EPERM"))
    }
}
