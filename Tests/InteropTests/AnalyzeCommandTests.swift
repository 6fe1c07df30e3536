import Foundation
import SIPAnalysis
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `sipflow analyze` on the captures under captures/ — made by tshark from SIPp traffic (UDP, and TCP with several
/// messages in a segment), by `sipflow run --pcap`, and crafted for the edge cases — checked against tshark's own
/// count of the SIP messages and calls in each file; and its answers to bad input.
@Suite struct AnalyzeCommandTests {
    /// The repository's captures/ directory.
    static let captures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("captures")

    struct Document: Decodable {
        let schema: String
        let calls: [CallRecord]
        let summary: AnalysisSummary
        let inputErrors: [String]
    }

    struct Analysis {
        let code: Int32?
        let stdout: String
        let stderr: String
        let document: Document?
        var summary: AnalysisSummary { document?.summary ?? AnalysisSummary() }
        var calls: [CallRecord] { document?.calls ?? [] }
    }

    /// Runs `sipflow analyze` on `files` (JSON unless `arguments` name another format).
    static func analyze(_ files: [String], in dir: URL, _ arguments: [String] = ["--format", "json"]) async throws -> Analysis {
        let run = try PeerProcess(Peers.sipflow, ["analyze"] + arguments + files, in: dir, name: "analyze-\(UUID().uuidString.prefix(8))")
        let code = await run.wait(atMost: .seconds(60))
        let out = run.stdout
        let document = try? JSONDecoder().decode(Document.self, from: Data(out.utf8))
        return Analysis(code: code, stdout: out, stderr: run.stderr, document: document)
    }

    static var captureFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: captures.path)) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }

    @Test func everyCaptureHoldsTheMessagesAndCallsTsharkFinds() async throws {
        guard Peers.available("tshark") else { return }
        let dir = try Peers.workDirectory()
        #expect(Self.captureFiles.count >= 3, "\(Self.captureFiles)")
        for name in Self.captureFiles {
            let path = Self.captures.appendingPathComponent(name).path
            // One line per frame with SIP, each message's Call-ID in it (a TCP segment may hold several).
            let lines = try PcapRecordingTests.tshark(path, ["-Y", "sip", "-T", "fields", "-e", "sip.Call-ID",
                                                             "-E", "occurrence=a", "-E", "aggregator=,"])
            let callIDs = lines.split(whereSeparator: \.isNewline).flatMap { $0.split(separator: ",") }.map(String.init)
            let analysis = try await Self.analyze([path], in: dir)
            let document = try #require(analysis.document, "\(name): \(analysis.stderr) \(analysis.stdout.prefix(300))")
            #expect(document.schema == "sipflow-analysis/1")
            #expect(document.summary.sipMessages == callIDs.count, "\(name): \(document.summary.sipMessages) messages, tshark \(callIDs.count)")
            #expect(document.calls.count == Set(callIDs).count, "\(name): \(document.calls.count) calls, tshark \(Set(callIDs).count)")
            #expect(Set(document.calls.map(\.callID)) == Set(callIDs), "\(name): the same Call-IDs")
            #expect(document.inputErrors.isEmpty, "\(name): \(document.inputErrors)")
            let errors = document.summary.findingsBySeverity["error"] ?? 0
            #expect(analysis.code == (errors > 0 ? 1 : 0), "\(name): exit \(String(describing: analysis.code)) with \(errors) errors")
        }
    }

    /// SIPp's uac calling its uas, 10 calls over UDP and 10 over TCP (where segments hold several messages): each
    /// answered, acknowledged and hung up.
    @Test(arguments: ["sipp-uac-uas-udp.pcapng", "sipp-uac-uas-tcp.pcapng"])
    func sippCallsAreEachAnsweredAndCompleted(_ name: String) async throws {
        let dir = try Peers.workDirectory()
        let analysis = try await Self.analyze([Self.captures.appendingPathComponent(name).path], in: dir)
        let s = analysis.summary
        #expect(s.invite.calls == 10 && s.invite.answered == 10 && s.invite.finalCodes == ["200": 10], "\(name): \(s.invite)")
        #expect(s.sipMessages == 60 && s.requests == 30 && s.responses == 30, "\(name): \(s)")  // INVITE 180 200 ACK BYE 200
        #expect(s.invite.sessionRequestDelayMs.count == 10)
        #expect(analysis.calls.allSatisfy { $0.ending == "completed" && $0.transactions.map(\.method) == ["INVITE", "BYE"] })
    }

    @Test func theTextSummaryAndALadder() async throws {
        let dir = try Peers.workDirectory()
        let path = Self.captures.appendingPathComponent("sipp-uac-uas-udp.pcapng").path
        let text = try await Self.analyze([path], in: dir, ["--plain"])
        #expect(text.stdout.contains("SIP messages (30 requests, 30 responses)"), "\(text.stdout)")
        #expect(text.stdout.contains("INVITE: 10 answered of 10"), "\(text.stdout)")
        let json = try await Self.analyze([path], in: dir)
        let callID = try #require(json.calls.first?.callID)
        let ladder = try await Self.analyze([path], in: dir, ["--plain", "--ladder", "--call-id", callID])
        let lines = ladder.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Call-ID \(callID) — INVITE answered 200, 6 messages, completed") == true, "\(ladder.stdout)")
        #expect(lines.filter { $0.contains("->|") || $0.contains("|<-") }.count == 6, "\(ladder.stdout)")
        #expect(ladder.stdout.contains("Calls: 1 (INVITE 1)"), "only the call picked: \(ladder.stdout)")
    }

    /// A gzip-compressed capture gives the same analysis as the capture it holds.
    @Test func aCompressedCaptureIsAnalysedAsItsContent() async throws {
        let dir = try Peers.workDirectory()
        let plain = dir.appendingPathComponent("udp.pcapng")
        try FileManager.default.copyItem(at: Self.captures.appendingPathComponent("sipp-uac-uas-udp.pcapng"), to: plain)
        let gzip = try PeerProcess("/bin/gzip", ["-k", plain.path], in: dir, name: "gzip")
        #expect(await gzip.wait(atMost: .seconds(20)) == 0)
        let a = try await Self.analyze([plain.path], in: dir)
        let b = try await Self.analyze([plain.path + ".gz"], in: dir)
        #expect(b.code == 0 && b.summary.sipMessages == 60, "\(b.stderr)")
        #expect(a.summary == b.summary && a.calls == b.calls)
    }

    /// --filter keeps the packets a BPF expression matches; one that is not BPF is a usage error naming it.
    @Test func aFilterKeepsWhatItMatches() async throws {
        let dir = try Peers.workDirectory()
        let path = Self.captures.appendingPathComponent("sipp-uac-uas-udp.pcapng").path
        let udp = try await Self.analyze([path], in: dir, ["--format", "json", "--filter", "udp dst port 15060"])
        let fromCaller = try await Self.analyze([path], in: dir, ["--format", "json", "--filter", "udp src port 15061"])
        let none = try await Self.analyze([path], in: dir, ["--format", "json", "--filter", "tcp"])
        #expect(fromCaller.summary.sipMessages == 30 && fromCaller.summary.requests == 30, "the uac sends the requests")
        #expect(udp.summary.sipMessages == 30, "what reaches the uas (port 15060)")
        #expect(none.summary.packets == 0 && none.summary.sipMessages == 0 && none.code == 0)
        let bad = try await Self.analyze([path], in: dir, ["--filter", "udp prot 5060"])
        #expect(bad.code == 2 && bad.stderr.contains("the filter 'udp prot 5060' is not a BPF expression"), "\(bad.stderr)")
    }

    /// --interface lo: the calls of a run on loopback, captured live, summarised at Ctrl-C.
    @Test func aLiveCaptureSummarisesAtCtrlC() async throws {
        guard geteuid() == 0 else {
            print("◇ skipping the live capture: it needs root (or CAP_NET_RAW)")
            return
        }
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let live = try PeerProcess(Peers.sipflow, ["analyze", "--interface", "lo", "--filter", "udp port \(port)",
                                                   "--format", "json"], in: dir, name: "live")
        defer { live.stop() }
        #expect(await live.waitFor("Ctrl-C for the summary"), "\(live.stderr)")
        let serve = try await Peers.serve("basic-call", port: port, in: dir)
        defer { serve.stop() }
        let run = try PeerProcess(Peers.sipflow, ["run", "basic-call", "--target", "127.0.0.1:\(port)", "--calls", "3",
                                                  "--rate", "10", "--plain"], in: dir, name: "run")
        #expect(await run.wait(atMost: .seconds(30)) == 0)
        try await Task.sleep(for: .milliseconds(500))
        live.signal(SIGINT)  // what the kernel captured before it is still read
        #expect(await live.wait(atMost: .seconds(10)) == 0, "\(live.stderr)")
        let document = try #require(try? JSONDecoder().decode(Document.self, from: Data(live.stdout.utf8)), "\(live.stdout)")
        #expect(document.summary.invite.calls == 3 && document.summary.invite.answered == 3, "\(document.summary.invite)")
        #expect(document.summary.sipMessages == 21)
    }

    /// Ctrl-C while reading: the reading stops at the next packet, and the calls and summary of what was read are
    /// still written. The capture comes through a FIFO (as `tcpdump -w - | sipflow analyze /dev/stdin` would), so
    /// the test decides when the next packet arrives: after the signal.
    @Test func ctrlCWhileReadingStillWritesTheSummary() async throws {
        let dir = try Peers.workDirectory()
        let fifo = dir.appendingPathComponent("capture.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let capture = try Data(contentsOf: Self.captures.appendingPathComponent("sipflow-basic-call.pcap"))  // 35 packets
        let run = try PeerProcess(Peers.sipflow, ["analyze", "--format", "json", fifo], in: dir, name: "interrupted")
        signal(SIGPIPE, SIG_IGN)  // analyze may be gone before the last write: EPIPE, not the test's death
        let fd = open(fifo, O_WRONLY)  // returns once analyze has opened it to read
        #expect(fd >= 0)
        func send(_ bytes: Data) { _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        send(capture)
        // Once analyze has read the pipe empty, and a moment more to go through what it read, the signal.
        var waiting: Int32 = 1
        for _ in 0..<200 where waiting > 0 {
            _ = ioctl(fd, UInt(FIONREAD), &waiting)
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(500))
        run.signal(SIGINT)
        try await Task.sleep(for: .milliseconds(300))
        send(capture.dropFirst(24))  // the same packets again, past the file header
        close(fd)  // zlib reads a pipe in whole buffers: the end of the input releases what it holds
        #expect(await run.wait(atMost: .seconds(30)) == 0, "\(run.stderr)")
        #expect(run.stderr.contains("analyze: interrupted; the summary covers the packets read until then"), "\(run.stderr)")
        let document = try #require(try? JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8)), "\(run.stdout.suffix(300))")
        // It stopped before the second copy was through (it would read 70 packets), and reported what it read:
        // all 35 packets of the first copy unless a busy machine held it past the signal.
        #expect(document.summary.packets > 0 && document.summary.packets < 70, "\(document.summary.packets) packets")
        #expect(document.calls.count <= 5 && document.summary.sipMessages == document.summary.packets)
    }

    @Test func aMissingFileOrOneThatIsNotACaptureIsAnInputError() async throws {
        let dir = try Peers.workDirectory()
        let text = dir.appendingPathComponent("notes.txt")
        try Data("not a capture\n".utf8).write(to: text)
        for path in [dir.appendingPathComponent("missing.pcap").path, text.path] {
            let analysis = try await Self.analyze([path], in: dir)
            #expect(analysis.code == 2, "\(path): \(analysis.stderr)")
            let lines = analysis.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("analyze: \(path): "), "\(analysis.stderr)")
            #expect(analysis.document?.inputErrors.count == 1, "the JSON still comes, naming the error")
        }
    }

    /// A capture cut short mid-packet: what came before is analysed, and the error names where reading stopped.
    @Test func aTruncatedCaptureKeepsWhatCameBeforeAndNamesThePacket() async throws {
        let dir = try Peers.workDirectory()
        let whole = try Data(contentsOf: Self.captures.appendingPathComponent("sipflow-basic-call.pcap"))
        let cut = dir.appendingPathComponent("cut.pcap")
        try whole.prefix(whole.count / 2 + 7).write(to: cut)
        let analysis = try await Self.analyze([cut.path], in: dir)
        #expect(analysis.code == 2, "\(analysis.stderr)")
        #expect(analysis.stderr.contains("analyze: \(cut.path): packet "), "\(analysis.stderr)")
        let full = try await Self.analyze([Self.captures.appendingPathComponent("sipflow-basic-call.pcap").path], in: dir)
        #expect(analysis.summary.sipMessages > 0 && analysis.summary.sipMessages < full.summary.sipMessages,
                "\(analysis.summary.sipMessages) of \(full.summary.sipMessages)")
        #expect(analysis.calls.count > 0, "the calls read before the cut are reported")
    }
}
