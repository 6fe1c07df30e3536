import Foundation
@testable import SIPAnalysis
import SIPCore
import SIPFlow
import SIPPcap
import Testing
@testable import SIPExtract

/// A captured call made into a flow: its steps in order, both parties, per-call values left to the engine, SDP
/// as a template, and the flow loads.
@Suite struct FlowExtractorTests {
    static let captures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("captures")

    /// The calls of a capture under captures/.
    static func collect(_ name: String, callIDs: Set<String> = []) -> CallCollector {
        let collector = CallCollector(callIDs: callIDs)
        var analyzer = CaptureAnalyzer()
        analyzer.observer = { collector.observe($0) }
        let errors = CaptureFiles.analyze([captures.appendingPathComponent(name).path], into: &analyzer) { _ in }
        #expect(errors.isEmpty, "\(errors)")
        return collector
    }

    @Test func aSIPpCallBecomesAFlowThatLoadsWithItsSteps() throws {
        let call = try #require(Self.collect("sipp-uac-uas-udp.pcapng").chosen())
        let flow = try FlowExtractor().extract(call)
        let loaded = try FlowLoader.parse(yaml: flow.yaml, file: "x.yaml")
        #expect(loaded.parties == ["caller", "callee"] && loaded.initiator == "caller")
        #expect(loaded.steps.count == 6)
        #expect(flow.steps == 6)
        for text in ["caller -> callee: INVITE", "callee -> caller: 180 Ringing\n    optional: true", "callee -> caller: 200 OK",
                     "caller -> callee: ACK", "caller -> callee: BYE", "- \"Subject: Performance Test\""] {
            #expect(flow.yaml.contains(text), "\(text) in\n\(flow.yaml)")
        }
        let steps = flow.yaml.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        for engine in ["Via:", "Call-ID:", "CSeq:", "From:", "To:", "Contact:", "Content-Length:", "Max-Forwards:", call.callID] {
            #expect(!steps.contains(engine), "\(engine) is the engine's")
        }
        #expect(flow.yaml.contains("# Extracted by sipflow extract from a capture: Call-ID \(call.callID)"))
        #expect(flow.yaml.contains("c=IN IP4 ${local_ip}") && flow.yaml.contains("o=user1 ${call_number} "))
        #expect(flow.yaml.contains("m=audio ${random(1000,3276)}0 RTP/AVP 0"))
    }

    /// Every capture the project keeps — SIPp over UDP and TCP, sipflow's recording, and the crafted edge cases
    /// (fragments, VLAN tags, SLL2, BSD loopback, tunnels, TCP split or mid-stream, garbage around the SIP) — gives a
    /// flow that loads, with as many steps as the call has messages on its hop less retransmissions.
    @Test func everyCaptureKeptGivesAFlowThatLoads() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.captures.path).filter { $0.contains(".pcap") }
            + FileManager.default.contentsOfDirectory(atPath: Self.captures.appendingPathComponent("edge").path)
                .filter { $0.contains(".pcap") }.map { "edge/\($0)" }
        #expect(names.count >= 10, "\(names)")
        for name in names.sorted() {
            let call = try #require(Self.collect(name).chosen(), "\(name): no call")
            let flow = try FlowExtractor().extract(call)
            let loaded = try FlowLoader.parse(yaml: flow.yaml, file: "\(name).yaml")
            let steps = call.messages.filter { !$0.retransmission && ($0.source == call.messages[0].source || $0.destination == call.messages[0].source) }
            #expect(loaded.steps.count == steps.count, "\(name): \(loaded.steps.count) steps of \(steps.count) messages")
        }
    }

    @Test func aCallIDPicksTheCallAndATCPCaptureWorksAlike() throws {
        let all = Self.collect("sipp-uac-uas-tcp.pcapng")
        let second = try #require(all.calls.dropFirst().first)
        let picked = try #require(Self.collect("sipp-uac-uas-tcp.pcapng", callIDs: [second.callID]).chosen())
        #expect(picked.callID == second.callID && picked.messages.count == 6)
        #expect(try FlowExtractor().extract(picked).steps == 6)
    }

    @Test func keepTimingWritesTheCapturedGapsAsPauses() throws {
        let call = try #require(Self.collect("sipp-uac-uas-udp.pcapng").chosen())
        var extractor = FlowExtractor()
        extractor.keepTiming = true
        let flow = try extractor.extract(call)
        _ = try FlowLoader.parse(yaml: flow.yaml, file: "x.yaml")
        // SIPp's uac holds each call 200 ms (-d 200) between the ACK and the BYE.
        let pause = try #require(flow.yaml.split(separator: "\n").first { $0.contains("pause:") })
        let ms = try #require(Int(pause.split(separator: " ").last!.dropLast(2)))
        #expect((190...400).contains(ms), "\(pause)")
        #expect(try FlowExtractor().extract(call).yaml.contains("pause:") == false, "no pauses by default")
    }

    @Test func droppedHeadersAreLeftOut() throws {
        let call = try #require(Self.collect("sipp-uac-uas-udp.pcapng").chosen())
        var extractor = FlowExtractor()
        extractor.dropHeaders = ["subject"]
        #expect(!(try extractor.extract(call).yaml.contains("Subject")))
    }

    @Test func aCallCapturedMidWayIsRefusedWithASentence() throws {
        let whole = try #require(Self.collect("sipp-uac-uas-udp.pcapng").chosen())
        var late = CapturedCall(callID: whole.callID)
        late.messages = Array(whole.messages.dropFirst(2))  // from the 200 on
        #expect {
            try FlowExtractor().extract(late)
        } throws: { error in
            "\(error)".contains("no request that starts it (it starts with 200 OK)") && "\(error)".contains("mid-call")
        }
    }

    /// A call through a proxy (the same Call-ID on two hops): the hop nearest the party asked for, and a note.
    @Test func throughAProxyTheHopNearestThePartyIsTaken() throws {
        let (a, p, b) = ("192.0.2.1:5060", "192.0.2.2:5060", "192.0.2.3:5060")
        var time: UInt64 = 0
        func m(_ from: String, _ to: String, _ start: String, _ cseq: String, branch: String) throws -> ObservedMessage {
            time += 1_000_000
            let text = "\(start)\r\nVia: SIP/2.0/UDP \(from);branch=z9hG4bK\(branch)\r\nFrom: <sip:a@x>;tag=1\r\n"
                + "To: <sip:b@x>\(start.hasPrefix("SIP") || !start.hasPrefix("INVITE") ? ";tag=2" : "")\r\nCall-ID: px@h\r\n"
                + "CSeq: \(cseq)\r\nMax-Forwards: 70\r\n\(from == p ? "X-Hop: proxy\r\n" : "")Content-Length: 0\r\n\r\n"
            return ObservedMessage(callID: "px@h", message: try SIPMessage(parsing: text), packet: Int(time / 1_000_000),
                                   timestamp: time, source: from, destination: to, transport: .udp, retransmission: false)
        }
        var call = CapturedCall(callID: "px@h")
        call.messages = [
            try m(a, p, "INVITE sip:b@x SIP/2.0", "1 INVITE", branch: "1"), try m(p, b, "INVITE sip:b@x SIP/2.0", "1 INVITE", branch: "2"),
            try m(b, p, "SIP/2.0 200 OK", "1 INVITE", branch: "2"), try m(p, a, "SIP/2.0 200 OK", "1 INVITE", branch: "1"),
            try m(a, p, "ACK sip:b@x SIP/2.0", "1 ACK", branch: "3"), try m(p, b, "ACK sip:b@x SIP/2.0", "1 ACK", branch: "4"),
        ]
        let near = try FlowExtractor().extract(call)
        #expect(near.notes.contains { $0.contains("crosses 2 hops; extracted 192.0.2.1:5060 → 192.0.2.2:5060, the hop nearest the caller") },
                "\(near.notes)")
        let proxyInvite = "caller -> callee: INVITE\n    headers:\n      - \"X-Hop: proxy\""
        #expect(near.steps == 3 && !near.yaml.contains(proxyInvite), "the caller's own INVITE: \(near.yaml)")
        var far = FlowExtractor()
        far.side = .callee
        let last = try far.extract(call)
        #expect(last.notes.contains { $0.contains("extracted 192.0.2.2:5060 → 192.0.2.3:5060, the hop nearest the callee") })
        #expect(last.steps == 3 && last.yaml.contains(proxyInvite), "the proxy is the caller of that hop: \(last.yaml)")
        _ = try FlowLoader.parse(yaml: last.yaml, file: "x.yaml")
    }

    @Test func anSDPBodyBecomesATemplate() {
        let sdp = "v=0\r\no=alice 2890844526 2890844527 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10/127\r\nt=0 0\r\n"
            + "m=audio 49170 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\na=rtcp:49171 IN IP4 192.0.2.10\r\na=x:${odd}\r\n"
        #expect(SDPTemplate.make(sdp) == "v=0\r\no=alice ${call_number} 2890844527 IN IP4 ${local_ip}\r\ns=-\r\n"
            + "c=IN IP4 ${local_ip}/127\r\nt=0 0\r\nm=audio ${random(1000,3276)}0 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\n"
            + "a=rtcp:49171 IN IP4 ${local_ip}\r\na=x:$${odd}\r\n")
    }

    @Test func quotedScalarsEscapeWhatYAMLNeeds() {
        #expect(FlowYAML.quoted("a \"b\" \\ c") == "\"a \\\"b\\\" \\\\ c\"")
        #expect(FlowYAML.quoted("tab\there\u{1}") == "\"tab\\there\\x01\"")
        var y = FlowYAML()
        y.body("line one\r\n  indented\r\n", indent: 4)
        #expect(y.text.hasSuffix("    body: {text: \"line one\\n  indented\\n\"}\n"), "\(y.text)")
    }
}
