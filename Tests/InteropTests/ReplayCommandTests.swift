import Foundation
import SIPAnalysis
import SIPEngine
import Testing

/// `sipflow extract` and `sipflow replay` (issue 23): captured calls — one sipflow recorded, one between two SIPp
/// instances captured by tshark — played again at a rate against SIPp and sipflow, in both roles, with no failure
/// and a fresh Call-ID for every call; and the captures that hold nothing to replay.
@Suite(.serialized) struct ReplayCommandTests {  // one load at a time: each drives SIPp or sipflow at 200 calls/s
    static func capture(_ name: String) -> String { AnalyzeCommandTests.captures.appendingPathComponent(name).path }

    /// The distinct Call-IDs of the INVITE calls in a recording, by sipflow's own analysis.
    static func inviteCalls(_ pcap: String, in dir: URL) async throws -> (calls: Int, answered: Int, ids: Set<String>) {
        let a = try await AnalyzeCommandTests.analyze([pcap], in: dir)
        return (a.summary.invite.calls, a.summary.invite.answered, Set(a.calls.map(\.callID)))
    }

    @Test func aSipflowRecordingReplayedAgainstSIPpsUAS() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let sipp = try PeerProcess("sipp", ["-sn", "uas", "-i", "127.0.0.1", "-p", "\(port)", "-nostdin"], in: dir, name: "sipp-uas")
        defer { sipp.stop() }
        try await Task.sleep(for: .milliseconds(500))
        let rate = Peers.rate(200), calls = rate * 5
        let replay = try PeerProcess(Peers.sipflow, [
            "replay", Self.capture("sipflow-basic-call.pcap"), "--target", "127.0.0.1:\(port)", "--rate", "\(rate)",
            "--calls", "\(calls)", "--report", "run.json", "--pcap", "run.pcap", "--plain",
        ], in: dir, name: "replay")
        #expect(await replay.wait(atMost: .seconds(60)) == 0, "\(replay.stdout.suffix(1500))\(replay.stderr)")
        let r = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("run.json")))
        #expect(r.totals.completed == UInt64(calls) && r.totals.failed == 0, "\(r.failures)")
        let seen = try await Self.inviteCalls(dir.appendingPathComponent("run.pcap").path, in: dir)
        #expect(seen.calls == calls && seen.answered == calls && seen.ids.count == calls, "a fresh Call-ID each call")
    }

    @Test func aSIPpCallReplayedAsTheCalleeAnswersSIPpsUAC() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let replay = try PeerProcess(Peers.sipflow, [
            "replay", Self.capture("sipp-uac-uas-udp.pcapng"), "--as", "callee", "--listen", "127.0.0.1:\(port)",
            "--report", "serve.json", "--plain", "--duration", "60s",
        ], in: dir, name: "replay-callee")
        defer { replay.stop() }
        #expect(await replay.waitFor("listening on UDP"), "\(replay.stderr)")
        let rate = Peers.rate(200), calls = rate * 5
        let sipp = try PeerProcess("sipp", [
            "-sn", "uac", "127.0.0.1:\(port)", "-i", "127.0.0.1", "-p", "\(try Peers.freePort())", "-r", "\(rate)",
            "-m", "\(calls)", "-l", "\(calls)", "-nostdin", "-timeout", "50s", "-trace_stat", "-stf", "uac.csv", "-fd", "1",
        ], in: dir, name: "sipp-uac")
        #expect(await sipp.wait(atMost: .seconds(60)) == 0, "SIPp: \(sipp.stderr)")
        replay.signal(SIGINT)
        #expect(await replay.wait(atMost: .seconds(15)) == 0, "\(replay.stdout.suffix(1500))")
        let stats = try SIPpStats(csv: dir.appendingPathComponent("uac.csv"))
        #expect(stats.count("SuccessfulCall(C)") == calls && stats.count("FailedCall(C)") == 0)
        let r = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("serve.json")))
        #expect(r.totals.completed == UInt64(calls) && r.totals.failed == 0, "\(r.failures)")
    }

    /// Both parties replayed by sipflow: the callee of a SIPp capture taken over TCP answers the caller of a
    /// sipflow recording, over UDP.
    @Test func bothPartiesReplayedBySipflow() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let callee = try PeerProcess(Peers.sipflow, [
            "replay", Self.capture("sipp-uac-uas-tcp.pcapng"), "--as", "callee", "--listen", "127.0.0.1:\(port)",
            "--plain", "--save-flow", "callee.yaml",
        ], in: dir, name: "callee")
        defer { callee.stop() }
        #expect(await callee.waitFor("listening on UDP"), "\(callee.stderr)")
        let rate = Peers.rate(200), calls = rate * 5
        let caller = try PeerProcess(Peers.sipflow, [
            "replay", Self.capture("sipflow-basic-call.pcap"), "--target", "127.0.0.1:\(port)", "--rate", "\(rate)",
            "--calls", "\(calls)", "--report", "run.json", "--plain",
        ], in: dir, name: "caller")
        #expect(await caller.wait(atMost: .seconds(60)) == 0, "\(caller.stdout.suffix(1500))\(caller.stderr)")
        let r = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("run.json")))
        #expect(r.totals.completed == UInt64(calls) && r.totals.failed == 0, "\(r.failures)")
        let saved = try String(contentsOf: dir.appendingPathComponent("callee.yaml"), encoding: .utf8)
        #expect(saved.contains("callee -> caller: 200 OK"), "--save-flow keeps the flow played")
        let validate = try PeerProcess(Peers.sipflow, ["validate", "callee.yaml"], in: dir, name: "validate")
        #expect(await validate.wait(atMost: .seconds(20)) == 0, "\(validate.stdout)\(validate.stderr)")
    }

    /// Every built-in flow — CANCEL, a decline, OPTIONS, REGISTER, a re-INVITE — recorded by `run --pcap`, then
    /// replayed from the recording against `serve` of the same flow: every call completes.
    @Test(arguments: ["basic-call", "cancel", "decline", "options", "register", "reinvite"])
    func aRecordingOfEachBuiltInFlowReplays(_ flow: String) async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let serve = try await Peers.serve(flow, port: port, in: dir)
        defer { serve.stop() }
        let record = try PeerProcess(Peers.sipflow, ["run", flow, "--target", "127.0.0.1:\(port)", "--calls", "2", "--rate", "10",
                                                     "--plain", "--pcap", "rec.pcap"], in: dir, name: "record")
        #expect(await record.wait(atMost: .seconds(30)) == 0, "\(record.stderr)")
        let replay = try PeerProcess(Peers.sipflow, ["replay", "rec.pcap", "--target", "127.0.0.1:\(port)", "--calls", "20",
                                                     "--rate", "20", "--plain", "--report", "replay.json"], in: dir, name: "replay")
        #expect(await replay.wait(atMost: .seconds(60)) == 0, "\(flow): \(replay.stdout.suffix(1500))\(replay.stderr)")
        let r = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("replay.json")))
        #expect(r.totals.completed == 20 && r.totals.failed == 0, "\(flow): \(r.failures)")
    }

    /// A capture cut short (tcpdump killed mid-write) still gives the calls read before the cut, with a warning.
    @Test func aCaptureCutShortGivesTheCallsBeforeTheCut() async throws {
        let dir = try Peers.workDirectory()
        let whole = try Data(contentsOf: AnalyzeCommandTests.captures.appendingPathComponent("sipflow-basic-call.pcap"))
        try whole.prefix(whole.count / 2 + 7).write(to: dir.appendingPathComponent("cut.pcap"))
        let run = try PeerProcess(Peers.sipflow, ["extract", "cut.pcap", "-o", "cut.yaml"], in: dir, name: "extract-cut")
        #expect(await run.wait(atMost: .seconds(20)) == 0, "\(run.stderr)")
        #expect(run.stderr.contains("cut.pcap: packet ") && run.stderr.contains("; the calls read before it are used"), "\(run.stderr)")
        let validate = try PeerProcess(Peers.sipflow, ["validate", "cut.yaml"], in: dir, name: "validate")
        #expect(await validate.wait(atMost: .seconds(20)) == 0, "\(validate.stdout)\(validate.stderr)")
    }

    /// --all: one flow per call shape, the most common first, each one loading.
    @Test func allWritesOneFlowPerCallShape() async throws {
        let dir = try Peers.workDirectory()
        let run = try PeerProcess(Peers.sipflow, ["extract", "--all", AnalyzeCommandTests.captures.appendingPathComponent("edge/vlan-qinq.pcap").path,
                                                  "-o", "shape.yaml"], in: dir, name: "extract-all")
        #expect(await run.wait(atMost: .seconds(20)) == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains("1 of 2 calls") }, "\(run.stderr)")
        for (n, first) in [(1, "caller -> callee: OPTIONS"), (2, "caller -> callee: INVITE")] {
            let text = try String(contentsOf: dir.appendingPathComponent("shape-\(n).yaml"), encoding: .utf8)
            #expect(text.contains("name: \"from-capture-\(n)\"") && text.contains(first), "shape \(n): \(text)")
            let validate = try PeerProcess(Peers.sipflow, ["validate", "shape-\(n).yaml"], in: dir, name: "validate-\(n)")
            #expect(await validate.wait(atMost: .seconds(20)) == 0, "\(validate.stdout)\(validate.stderr)")
        }
    }

    /// A capture with no SIP, and one where every call was captured mid-way, hold nothing to replay (exit 1, one
    /// sentence); a file that is not a capture is an input error (exit 2).
    @Test func capturesWithNothingToReplayAreRefusedWithASentence() async throws {
        guard Peers.available("tshark") else { return }
        let dir = try Peers.workDirectory()
        func make(_ name: String, _ arguments: [String]) async throws -> String {
            let out = dir.appendingPathComponent(name).path
            let p = try PeerProcess(Peers.path(of: "tshark") ?? "/usr/bin/tshark", arguments + ["-w", out], in: dir, name: name)
            #expect(await p.wait(atMost: .seconds(30)) == 0, "\(p.stderr)")
            return out
        }
        let tcp = Self.capture("sipp-uac-uas-tcp.pcapng"), udp = Self.capture("sipp-uac-uas-udp.pcapng")
        let noSIP = try await make("handshake.pcapng", ["-r", tcp, "-Y", "frame.number <= 3"])
        let midCall = try await make("mid-call.pcapng", ["-r", udp, "-Y", "!(sip.Method == \"INVITE\")"])
        let text = dir.appendingPathComponent("notes.txt")
        try Data("not a capture\n".utf8).write(to: text)
        for (file, code, sentence) in [(noSIP, Int32(1), "no SIP message in the capture (3 packets)"),
                                       (midCall, Int32(1), "no call starts with a request: the capture began mid-call"),
                                       (text.path, Int32(2), "unknown file format")] {
            for command in [["extract", file], ["replay", file, "--target", "127.0.0.1:9"]] {
                let p = try PeerProcess(Peers.sipflow, command, in: dir, name: command[0])
                #expect(await p.wait(atMost: .seconds(20)) == code, "\(command): \(p.stderr)")
                let lines = p.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix("extract: ") && lines[0].contains(sentence), "\(command): \(p.stderr)")
            }
        }
    }
}
