import Foundation
import SIPCore
import Testing
@testable import SIPEngine

/// How `run` and `serve` end, as a user sees it: SIGTERM and Ctrl-C start a graceful stop that ends live calls
/// within --grace and writes the reports and the --trace file; a second signal ends at once, still writing them;
/// --log-level chooses the diagnostics.
@Suite(.serialized) struct ShutdownCommandTests {
    func sipflow(_ args: [String], in dir: URL, name: String) throws -> PeerProcess {
        try PeerProcess(Peers.sipflow, args, in: dir, name: name)
    }

    static let longCall = """
        name: long-call
        parties: [caller, callee]
        steps:
          - caller -> callee: INVITE
          - callee -> caller: 200
          - caller -> callee: ACK
          - pause: 60s
          - caller -> callee: BYE
          - callee -> caller: 200

        """

    /// The --trace file as (header line, first line of the message) pairs.
    static func traced(_ text: String) -> [(header: String, start: String)] {
        // "\r\n" is one Character in Swift: split on every kind of line end.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        var out: [(String, String)] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("20") && line.contains(" UDP ") && i + 1 < lines.count {
            out.append((line, lines[i + 1]))
        }
        return out
    }

    /// The messages of a --trace file, byte for byte: what lies between one header line and the next, less the
    /// blank line that ends each entry.
    static func tracedMessages(_ data: Data) throws -> [[UInt8]] {
        let bytes = [UInt8](data)
        let header = try Regex(#"(?m)^20\d\d-\d\d-\d\dT[^\n]* UDP [^\n]*\n"#)
        let text = String(decoding: bytes, as: UTF8.self)
        let offset = { (i: String.Index) in text.utf8.distance(from: text.utf8.startIndex, to: i) }
        let starts = text.matches(of: header).map { (offset($0.range.lowerBound), offset($0.range.upperBound)) }
        var out: [[UInt8]] = []
        for (i, (_, end)) in starts.enumerated() {
            let next = i + 1 < starts.count ? starts[i + 1].0 : bytes.count
            out.append(Array(bytes[end..<max(end, next - 2)]))  // the entry's closing CRLF
        }
        return out
    }

    /// SIGTERM in the middle of a run: live calls are ended with BYE, the report says so, and the trace holds every
    /// message of every call, the BYEs included, each whole.
    @Test func sigtermEndsLiveCallsAndWritesTheReportAndTheTrace() async throws {
        let dir = try Peers.workDirectory()
        let flow = dir.appendingPathComponent("long-call.yaml")
        try Self.longCall.write(to: flow, atomically: true, encoding: .utf8)
        let port = try Peers.freePort()
        let serve = try sipflow(["serve", flow.path, "--listen", "127.0.0.1:\(port)", "--plain"], in: dir, name: "serve")
        defer { serve.stop() }
        #expect(await serve.waitFor("listening on UDP"))
        let trace = dir.appendingPathComponent("run.trace")
        let run = try sipflow(["run", flow.path, "--target", "127.0.0.1:\(port)", "--rate", "20", "--plain",
                               "--report", dir.appendingPathComponent("run.json").path, "--trace", trace.path],
                              in: dir, name: "run")
        try await Task.sleep(for: .milliseconds(1500))
        run.signal(SIGTERM)
        #expect(await run.wait(atMost: .seconds(10)) == 1, "\(run.stderr)")
        #expect(run.stderr.contains("sipflow run: stopping: no new calls"), "\(run.stderr)")
        let r = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("run.json")))
        #expect(r.totals.started >= 20)
        #expect(r.failures == ["aborted": r.totals.started])
        let messages = Self.traced(try String(contentsOf: trace, encoding: .utf8))
        // By call number: each call's INVITE and BYE were sent (a BYE may be sent again while its 200 is late).
        func calls(_ direction: String, _ start: String) -> Set<String> {
            Set(messages.filter { $0.header.contains(" \(direction) ") && $0.start.hasPrefix(start) }
                .map { $0.header.components(separatedBy: " call ")[1].components(separatedBy: " ")[0] })
        }
        #expect(calls("sent", "INVITE ").count == r.totals.started, "INVITEs traced")
        #expect(calls("sent", "BYE ") == calls("sent", "INVITE "), "each call was ended with BYE")
        #expect(calls("received", "SIP/2.0 200") == calls("sent", "INVITE "), "each call's 200s are traced")
        #expect(messages.allSatisfy { !$0.start.isEmpty }, "every traced message is whole")
        let whole = try Self.tracedMessages(try Data(contentsOf: trace))
        #expect(whole.count == messages.count)
        #expect(whole.allSatisfy { (try? SIPMessage(parsing: $0)) != nil }, "every traced message parses")
    }

    /// A peer that never answers: after Ctrl-C the INVITEs cannot be CANCELled (no provisional came, §9.1), so the
    /// run waits for them — at most --grace; a second Ctrl-C ends the wait at once. Either way the report is written.
    @Test(arguments: [false, true])
    func theGraceBoundsTheWaitAndASecondSignalEndsIt(second: Bool) async throws {
        let dir = try Peers.workDirectory()
        let silent = try DatagramPeer()
        let report = dir.appendingPathComponent("run.json")
        let run = try sipflow(["run", "basic-call", "--target", "127.0.0.1:\(silent.port)", "--rate", "20", "--plain",
                               "--grace", second ? "60s" : "1s", "--report", report.path], in: dir, name: "run")
        try await Task.sleep(for: .milliseconds(1500))
        run.signal(SIGINT)
        try await Task.sleep(for: .milliseconds(500))
        if second { run.signal(SIGINT) }
        let start = ContinuousClock.now
        #expect(await run.wait(atMost: .seconds(20)) == 1, "\(run.stderr)")
        let took = ContinuousClock.now - start
        // Far from what waiting would take: Timer B (32 s) with --grace 1s, the 60 s grace with a second signal.
        #expect(took < .seconds(10), "ended \(took) after the last signal")
        let r = try RunReport.decode(Data(contentsOf: report))
        #expect(r.totals.started >= 20 && r.failures["aborted"] == r.totals.started, "\(r.failures)")
    }

    /// Two signals at once (a user pressing Ctrl-C twice): the second is not lost; the run ends at once, its live
    /// calls counted as aborted, the report written.
    @Test func twoSignalsInARowEndTheRunAtOnce() async throws {
        let dir = try Peers.workDirectory()
        let silent = try DatagramPeer()
        let report = dir.appendingPathComponent("run.json")
        let run = try sipflow(["run", "basic-call", "--target", "127.0.0.1:\(silent.port)", "--rate", "20", "--plain",
                               "--grace", "60s", "--report", report.path], in: dir, name: "run")
        try await Task.sleep(for: .milliseconds(1500))
        run.signal(SIGINT)
        try await Task.sleep(for: .milliseconds(20))
        run.signal(SIGINT)
        let start = ContinuousClock.now
        #expect(await run.wait(atMost: .seconds(20)) == 1, "\(run.stderr)")
        #expect(ContinuousClock.now - start < .seconds(10), "far from the 60 s grace")
        #expect(run.stderr.contains("stopping at once"), "\(run.stderr)")
        let r = try RunReport.decode(Data(contentsOf: report))
        #expect(r.totals.started >= 20 && r.failures["aborted"] == r.totals.started, "\(r.failures) \(r.totals)")
    }

    /// A single `ping` interrupted before its answer: UNKNOWN (3) at once, and the trace holds the probe sent.
    @Test func anInterruptedPingIsUnknownAndKeepsItsTrace() async throws {
        let dir = try Peers.workDirectory()
        let silent = try DatagramPeer()
        let trace = dir.appendingPathComponent("ping.trace")
        let ping = try sipflow(["ping", "sip:127.0.0.1:\(silent.port)", "--timeout", "30s", "--trace", trace.path],
                               in: dir, name: "ping")
        try await Task.sleep(for: .milliseconds(800))
        ping.signal(SIGINT)
        let start = ContinuousClock.now
        #expect(await ping.wait(atMost: .seconds(15)) == 3, "\(ping.stdout)\(ping.stderr)")
        #expect(ContinuousClock.now - start < .seconds(10), "far from the 30 s timeout")
        #expect(ping.stderr.contains("interrupted"), "\(ping.stderr)")
        let text = try String(contentsOf: trace, encoding: .utf8)
        #expect(Self.traced(text).contains { $0.header.contains(" sent UDP ") && $0.start.hasPrefix("OPTIONS ") }, "\(text)")
    }

    @Test func theLogLevelChoosesTheDiagnostics() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let quiet = try sipflow(["serve", "basic-call", "--listen", "127.0.0.1:\(port)", "--plain", "--duration", "1s",
                                 "--log-level", "error"], in: dir, name: "quiet")
        #expect(await quiet.wait(atMost: .seconds(15)) == 0)
        #expect(!quiet.stderr.contains("listening on UDP"), "a notice, below error: \(quiet.stderr)")
        let chatty = try sipflow(["serve", "basic-call", "--listen", "127.0.0.1:\(port)", "--plain", "--duration", "1s",
                                  "--log-level", "debug"], in: dir, name: "chatty")
        #expect(await chatty.wait(atMost: .seconds(15)) == 0)
        #expect(chatty.stderr.contains("sipflow serve: listening on UDP 127.0.0.1:\(port)"), "\(chatty.stderr)")
        #expect(chatty.stderr.contains("sipflow serve: debug: engine started"), "\(chatty.stderr)")
        let bad = try sipflow(["serve", "basic-call", "--log-level", "loud"], in: dir, name: "bad")
        #expect(await bad.wait(atMost: .seconds(15)) == 2)
    }

    @Test(arguments: ["run", "serve", "ping"])
    func helpNamesTheShutdownAndDiagnosticOptions(_ command: String) async throws {
        let dir = try Peers.workDirectory()
        let p = try sipflow([command, "--help"], in: dir, name: "help-\(command)")
        #expect(await p.wait(atMost: .seconds(15)) == 0)
        for option in (command == "ping" ? ["--trace", "--pcap", "--log-level"] : ["--grace", "--trace", "--pcap", "--log-level"]) {
            #expect(p.stdout.contains(option), "\(command) --help lacks \(option)")
        }
    }
}
