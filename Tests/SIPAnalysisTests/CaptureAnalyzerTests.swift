import Foundation
import Testing
@testable import SIPAnalysis
import SIPPcap

@Suite struct CaptureAnalyzerTests {
    @Test func anAnsweredCallIsOneCallWithItsTransactionsAndDelays() throws {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        let calls = analyzer.run(f.basicCall())
        let call = try #require(calls.first)
        #expect(calls.count == 1)
        #expect(call.callID == "call-1@127.0.0.1" && call.kind == "invite" && call.ending == "completed")
        #expect(call.answered && call.finalCode == 200)
        #expect(call.messages == 7 && call.retransmissions == 0)
        #expect(call.parties == ["127.0.0.1:5060", "127.0.0.1:5070"])
        #expect(call.sessionRequestDelayMs == 5, "the 180, the first response other than 100")
        #expect(call.durationMs == 1001)
        #expect(call.transactions.map(\.method) == ["INVITE", "BYE"])
        #expect(call.transactions[0].firstProvisionalMs == 5 && call.transactions[0].finalMs == 20)
        #expect(call.transactions[1].finalCode == 200 && call.transactions[1].startMs == 1000)
        #expect(call.findings.isEmpty, "\(call.findings)")
        let s = analyzer.summary
        #expect(s.packets == 7 && s.sipMessages == 7 && s.requests == 3 && s.responses == 4)
        #expect(s.calls == ["invite": 1])
        #expect(s.invite.calls == 1 && s.invite.answered == 1 && s.invite.answerRatio == 1)
        #expect(s.invite.finalCodes == ["200": 1])
        #expect(s.invite.sessionRequestDelayMs.count == 1 && s.invite.sessionRequestDelayMs.p50 == 5)
        #expect(s.responseCodes == ["100": 1, "180": 1, "200": 2])
        #expect(s.findings.isEmpty)
    }

    /// A call that ended is held for the linger (64·T1) for late retransmissions, and reported once it is over.
    @Test func anEndedCallIsReportedWhenItsLingerIsOver() {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        #expect(analyzer.run(f.basicCall(), finish: false).isEmpty, "still lingering")
        var late = CallFixtures(callID: "other@127.0.0.1")
        late.packet = f.packet
        let reported = analyzer.run([late.udp(late.request("OPTIONS"), at: 1001 + 32_001)], finish: false)
        #expect(reported.map(\.callID) == ["call-1@127.0.0.1"])
    }

    /// Memory holds the calls in progress only: 2,000 calls one after another, 1 s apart, leave at most the
    /// linger's worth (32 calls and a few) open.
    @Test func memoryFollowsTheOpenCalls() {
        var analyzer = CaptureAnalyzer()
        var reported = 0, mostOpen = 0
        for i in 0..<2_000 {
            var f = CallFixtures(callID: "c\(i)@h")
            reported += analyzer.run(f.basicCall(at: Double(i) * 1000), finish: false).count
            mostOpen = max(mostOpen, analyzer.openCalls)
        }
        reported += analyzer.finish().count
        #expect(reported == 2_000)
        #expect(mostOpen <= 40, "\(mostOpen) calls held at once")
        #expect(analyzer.summary.invite.calls == 2_000)
    }

    @Test func retransmittedRequestsAreCountedAndTheirIntervalsCompared() throws {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        let invite = f.request("INVITE")
        let calls = analyzer.run([
            f.udp(invite, at: 0), f.udp(invite, at: 500), f.udp(invite, at: 1500), f.udp(invite, at: 3500),
            f.udp(f.response(486, "Busy Here", to: "INVITE"), at: 3600, fromCaller: false),
            f.udp(f.response(486, "Busy Here", to: "INVITE"), at: 3700, fromCaller: false),
            f.udp(f.request("ACK", toTag: "b1"), at: 3601),
        ])
        let call = try #require(calls.first)
        let tx = try #require(call.transactions.first)
        #expect(tx.requestRetransmissions == 3 && tx.retransmissionIntervalsMs == [500, 1000, 2000])
        #expect(tx.intervalsDouble == true)
        #expect(tx.responseRetransmissions == 1 && tx.finalCode == 486)
        #expect(call.retransmissions == 4 && call.messages == 7)
        #expect(call.ending == "completed" && !call.answered && call.finalCode == 486)
        #expect(call.transactions.count == 1, "the ACK of a failure belongs to the INVITE's transaction")
        #expect(analyzer.summary.retransmissions.requests == 3 && analyzer.summary.retransmissions.responses == 1)
        #expect(analyzer.summary.invite.answerRatio == 0 && analyzer.summary.responseCodes == ["486": 1])

        var g = CallFixtures()
        var other = CaptureAnalyzer()
        let bad = other.run([g.udp(invite, at: 0), g.udp(invite, at: 500), g.udp(invite, at: 700)])
        #expect(bad.first?.transactions.first?.intervalsDouble == false, "200 ms after 500 ms")
        #expect(other.summary.retransmissions.intervalsNotDoubling == 1)
        #expect(bad.first?.ending == "open" && other.summary.invite.unanswered == 1)
    }

    @Test func registerAndOptionsAreCountedApart() {
        var f = CallFixtures(callID: "reg@h")
        var g = CallFixtures(callID: "opt@h")
        var analyzer = CaptureAnalyzer()
        let calls = analyzer.run([
            f.udp(f.request("REGISTER"), at: 0),
            f.udp(f.response(401, "Unauthorized", to: "REGISTER"), at: 2, fromCaller: false),
            f.udp(f.request("REGISTER", cseq: 2, branch: "z9hG4bK-r2"), at: 5),
            f.udp(f.response(200, "OK", to: "REGISTER", cseq: 2, branch: "z9hG4bK-r2"), at: 7, fromCaller: false),
            g.udp(g.request("OPTIONS"), at: 10),
            g.udp(g.response(200, "OK", to: "OPTIONS"), at: 11, fromCaller: false),
        ])
        #expect(calls.map(\.kind).sorted() == ["options", "register"])
        #expect(calls.first { $0.kind == "register" }?.finalCode == 401, "the first request's answer")
        let s = analyzer.summary
        #expect(s.register.transactions == 2 && s.register.finalCodes == ["401": 1, "200": 1])
        #expect(s.options.transactions == 1 && s.options.finalCodes == ["200": 1])
        #expect(s.invite.calls == 0 && s.calls == ["register": 1, "options": 1])
    }

    /// Each request is checked alone, each response against its request; a retransmission is not checked again.
    @Test func findingsNameTheRuleAndThePacket() throws {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        let noMaxForwards = f.request("OPTIONS", maxForwards: false)
        let calls = analyzer.run([
            f.udp(noMaxForwards, at: 0), f.udp(noMaxForwards, at: 500),
            f.udp(f.response(200, "OK", to: "OPTIONS", toTag: nil), at: 600, fromCaller: false),
        ])
        let call = try #require(calls.first)
        let rules = call.findings.map(\.rule)
        #expect(rules.filter { $0 == "rfc3261.8.1.1.required-header" }.count == 1, "\(call.findings)")
        #expect(call.findings.first { $0.rule == "rfc3261.8.1.1.required-header" }?.packet == 1)
        #expect(rules.contains("rfc3261.8.2.6.2.to-tag"), "the 200 without a To tag, checked against its request")
        #expect(analyzer.summary.findings["rfc3261.8.1.1.required-header"] == 1)
        #expect((analyzer.summary.findingsBySeverity["error"] ?? 0) >= 1)
    }

    @Test func otherPayloadsAreCountedNotTakenForSIP() {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        _ = analyzer.run([
            f.udp("\u{0}\u{1}binary RTP-ish", at: 0),
            f.udp("\r\n\r\n", at: 1),
            f.udp("GET / HTTP/1.1\r\nHost: x\r\n\r\n", at: 2),
            // SIP, though broken: parsed as far as it goes, and each break is a finding.
            f.udp("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK-1\r\n", at: 3),  // the header section never ends
            f.udp("SIP/2.0 200 OK\r\nthis is not a header\r\n\r\n", at: 4),
        ])
        let s = analyzer.summary
        #expect(s.notSIP == 2 && s.keepAlives == 1 && s.sipMessages == 2, "\(s)")
        #expect(s.findings["rfc3261.7.3.1.header-syntax"] == 1, "\(s.findings)")
        #expect(s.findings["rfc3261.7.unterminated-header-section"] == 1, "\(s.findings)")
    }

    @Test func aCallIDPicksTheCallAndTheSummaryCountsOnlyIt() {
        var f = CallFixtures(callID: "wanted@h")
        var g = CallFixtures(callID: "other@h")
        var options = AnalysisOptions()
        options.callIDs = ["wanted@h"]
        var analyzer = CaptureAnalyzer(options: options)
        let calls = analyzer.run(g.basicCall() + f.basicCall(at: 5))
        #expect(calls.map(\.callID) == ["wanted@h"])
        #expect(analyzer.summary.sipMessages == 7 && analyzer.summary.invite.calls == 1)
        #expect(analyzer.summary.packets == 14)
    }

    @Test func aLadderHoldsEveryMessageAndDrawsArrows() throws {
        var f = CallFixtures()
        var options = AnalysisOptions()
        options.ladders = true
        var analyzer = CaptureAnalyzer(options: options)
        let call = try #require(analyzer.run(f.basicCall()).first)
        let ladder = try #require(call.ladder)
        #expect(ladder.map(\.label) == ["INVITE sip:bob@127.0.0.1:5070", "100 Trying", "180 Ringing", "200 OK",
                                        "ACK sip:bob@127.0.0.1:5070", "BYE sip:bob@127.0.0.1:5070", "200 OK"])
        #expect(ladder[1].source == "127.0.0.1:5070" && ladder[1].timeMs == 1)
        let text = AnalysisText.ladder(call)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("Call-ID call-1@127.0.0.1 — INVITE answered 200, 7 messages, completed"), "\(text)")
        #expect(lines[1].contains("127.0.0.1:5060") && lines[1].contains("127.0.0.1:5070"))
        #expect(lines[2].contains("0.000") && lines[2].contains(" INVITE sip:bob@127.0.0.1:5070 ") && lines[2].contains("->|"), "\(text)")
        #expect(lines[3].contains("|<-") && lines[3].contains(" 100 Trying "), "\(text)")
        #expect(lines[8].contains("1.001"), "\(text)")
    }

    @Test func theJSONDocumentHoldsTheCallsAndTheSummary() throws {
        var f = CallFixtures()
        var analyzer = CaptureAnalyzer()
        var text = ""
        var writer = AnalysisJSONWriter(files: ["a.pcap"]) { text += $0 }
        for call in analyzer.run(f.basicCall()) { writer.add(call) }
        writer.finish(analyzer.summary, inputErrors: ["b.pcap: no such file"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "sipflow-analysis/1")
        #expect(object["files"] as? [String] == ["a.pcap"])
        #expect((object["calls"] as? [[String: Any]])?.first?["callID"] as? String == "call-1@127.0.0.1")
        #expect((object["summary"] as? [String: Any])?["sipMessages"] as? Int == 7)
        #expect(object["inputErrors"] as? [String] == ["b.pcap: no such file"])
        let calls = try JSONDecoder().decode(Document.self, from: Data(text.utf8))
        #expect(calls.calls.count == 1 && calls.summary == analyzer.summary)
    }

    /// The JSON written by hand for each call reads back, through Codable, as the record it came from: every field,
    /// the optional ones present and absent, and strings that need escaping.
    @Test func aCallWrittenAsJSONReadsBackTheSame() throws {
        var f = CallFixtures(callID: "odd \"quoted\" \\ back\tslash\u{1}@h")
        var options = AnalysisOptions()
        options.ladders = true
        var analyzer = CaptureAnalyzer(options: options)
        let invite = f.request("INVITE", maxForwards: false)
        var calls = analyzer.run([f.udp(invite, at: 0), f.udp(invite, at: 500.25), f.udp(invite, at: 1500)], finish: false)
        calls += analyzer.run(Array(f.basicCall(at: 2000).dropFirst()))
        var g = CallFixtures(callID: "open@h")
        var other = CaptureAnalyzer()
        calls += other.run([g.udp(g.request("OPTIONS"), at: 0)])
        #expect(calls.count == 2 && calls[0].ladder != nil && calls[1].finalCode == nil)
        for call in calls {
            var text = JSONText()
            call.writeJSON(into: &text)
            let back = try JSONDecoder().decode(CallRecord.self, from: Data(text.bytes))
            #expect(back == call, "\(String(decoding: text.bytes, as: UTF8.self))")
        }
    }

    struct Document: Decodable {
        let calls: [CallRecord]
        let summary: AnalysisSummary
    }
}
