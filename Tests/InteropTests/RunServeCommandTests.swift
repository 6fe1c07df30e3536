import Foundation
import Testing
@testable import SIPEngine

/// `sipflow run`, `serve`, `flows` and `validate` as a user runs them: real processes on loopback, exit codes as
/// documented (0 passed, 1 failed calls or thresholds, 2 invalid flow or usage, 3 runtime error).
@Suite(.serialized) struct RunServeCommandTests {
    func sipflow(_ args: [String], in dir: URL, name: String = "sipflow") throws -> PeerProcess {
        try PeerProcess(Peers.sipflow, args, in: dir, name: name)
    }

    @Test func flowsListsTheBuiltinFlows() async throws {
        let dir = try Peers.workDirectory()
        let p = try sipflow(["flows"], in: dir)
        #expect(await p.wait(atMost: .seconds(20)) == 0)
        let names = p.stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        #expect(names == ["basic-call", "cancel", "decline", "options", "register", "reinvite"])
    }

    @Test func validateReportsTheLocationAndAHint() async throws {
        let dir = try Peers.workDirectory()
        let bad = dir.appendingPathComponent("bad.yaml")
        try "name: bad\nparties: [caller, callee]\nsteps:\n  - caller -> calee: INVITE\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let p = try sipflow(["validate", "basic-call", bad.path], in: dir)
        #expect(await p.wait(atMost: .seconds(20)) == 2)
        #expect(p.stdout.contains("basic-call: ok"))
        #expect(p.stdout.contains("bad.yaml:4:"), "\(p.stdout)")
        #expect(p.stdout.contains("did you mean 'callee'"), "\(p.stdout)")
    }

    @Test func runExitCodesForBadInput() async throws {
        let dir = try Peers.workDirectory()
        let noFlow = try sipflow(["run", "no-such-flow", "--target", "127.0.0.1:5060"], in: dir, name: "noflow")
        #expect(await noFlow.wait(atMost: .seconds(20)) == 2)
        let badRate = try sipflow(["run", "basic-call", "--target", "127.0.0.1:5060", "--rate", "fast"], in: dir, name: "rate")
        #expect(await badRate.wait(atMost: .seconds(20)) == 2)
        let badThreshold = try sipflow(["run", "basic-call", "--target", "127.0.0.1:5060", "--fail-if", "lost > 3"], in: dir, name: "thr")
        #expect(await badThreshold.wait(atMost: .seconds(20)) == 2)
        #expect(badThreshold.stderr.contains("unknown quantity 'lost'"))
        let badBatch = try sipflow(["serve", "basic-call", "--batch", "2s"], in: dir, name: "batch")
        #expect(await badBatch.wait(atMost: .seconds(20)) == 2)
        #expect(badBatch.stderr.contains("--batch '2s'"))
        let unresolvable = try sipflow(["run", "basic-call", "--target", "no-such-host.invalid:5060"], in: dir, name: "dns")
        #expect(await unresolvable.wait(atMost: .seconds(30)) == 3)
        #expect(unresolvable.stderr.contains("no-such-host.invalid"))
    }

    @Test func serveOnABusyPortIsARuntimeError() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let first = try sipflow(["serve", "basic-call", "--listen", "127.0.0.1:\(port)", "--plain"], in: dir, name: "first")
        defer { first.stop() }
        #expect(await first.waitFor("listening on UDP"))
        let second = try sipflow(["serve", "basic-call", "--listen", "127.0.0.1:\(port)", "--plain"], in: dir, name: "second")
        #expect(await second.wait(atMost: .seconds(20)) == 3)
        #expect(second.stderr.contains("cannot bind"), "\(second.stderr)")
    }

    /// Ctrl-C: no new calls, live calls end properly with BYE, the reports are written, exit 1 (calls aborted).
    @Test func interruptEndsLiveCallsWithByeAndWritesTheReport() async throws {
        let dir = try Peers.workDirectory()
        let flow = dir.appendingPathComponent("long-call.yaml")
        try ShutdownCommandTests.longCall.write(to: flow, atomically: true, encoding: .utf8)
        let port = try Peers.freePort()
        let serve = try sipflow(["serve", flow.path, "--listen", "127.0.0.1:\(port)", "--plain",
                                 "--report", dir.appendingPathComponent("serve.json").path], in: dir, name: "serve")
        defer { serve.stop() }
        #expect(await serve.waitFor("listening on UDP"))
        let run = try sipflow(["run", flow.path, "--target", "127.0.0.1:\(port)", "--rate", "20", "--plain",
                               "--report", dir.appendingPathComponent("run.json").path,
                               "--csv", dir.appendingPathComponent("run.csv").path], in: dir, name: "run")
        try await Task.sleep(for: .milliseconds(1500))
        run.signal(SIGINT)
        let status = await run.wait(atMost: .seconds(10))
        #expect(status == 1, "\(run.stdout.suffix(1500))\(run.stderr)")
        let r = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("run.json")))
        #expect(r.totals.started >= 20)
        #expect(r.failures == ["aborted": r.totals.started], "every live call was ended on purpose")
        let csv = try String(contentsOf: dir.appendingPathComponent("run.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count >= 2, "the CSV has its header and at least one row")
        // The callee saw a BYE for every call: each ended cleanly on its side.
        serve.signal(SIGINT)
        #expect(await serve.wait(atMost: .seconds(10)) == 0)
        let s = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("serve.json")))
        #expect(s.totals.completed == r.totals.started, "serve: \(s.totals)")
    }

    /// Per-call CSV data fills `${data.column}`; the callee asserts on what arrives.
    @Test func dataColumnsReachTheWire() async throws {
        let dir = try Peers.workDirectory()
        try "user,domain\nalice,example.com\nbob,example.org\n"
            .write(to: dir.appendingPathComponent("users.csv"), atomically: true, encoding: .utf8)
        try """
            name: data-options
            parties: [ua, server]
            steps:
              - ua -> server: OPTIONS
                headers:
                  X-User: "${data.user}@${data.domain}"
                  Subject: call ${call_number}
              - server -> ua: 200

            """.write(to: dir.appendingPathComponent("caller.yaml"), atomically: true, encoding: .utf8)
        try """
            name: data-options
            parties: [ua, server]
            steps:
              - ua -> server: OPTIONS
                assert:
                  - header: X-User
                    regex: "^(alice@example\\\\.com|bob@example\\\\.org)$"
                  - header: Subject
                    regex: "^call [0-9]+$"
              - server -> ua: 200

            """.write(to: dir.appendingPathComponent("callee.yaml"), atomically: true, encoding: .utf8)
        let port = try Peers.freePort()
        let serve = try sipflow(["serve", dir.appendingPathComponent("callee.yaml").path, "--listen", "127.0.0.1:\(port)",
                                 "--plain", "--calls", "10", "--report", dir.appendingPathComponent("serve.json").path],
                                in: dir, name: "serve")
        defer { serve.stop() }
        #expect(await serve.waitFor("listening on UDP"))
        let run = try sipflow(["run", dir.appendingPathComponent("caller.yaml").path, "--target", "127.0.0.1:\(port)",
                               "--rate", "20", "--calls", "10", "--data", dir.appendingPathComponent("users.csv").path,
                               "--plain"], in: dir, name: "run")
        #expect(await run.wait(atMost: .seconds(20)) == 0, "\(run.stdout.suffix(1000))\(run.stderr)")
        #expect(await serve.wait(atMost: .seconds(20)) == 0, "\(serve.stdout.suffix(1000))")
        let s = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("serve.json")))
        #expect(s.totals.completed == 10 && s.totals.failed == 0, "\(s.failures)")
    }

    /// `serve --calls 1` keeps answering after its last call: a caller whose 200 to its BYE was lost re-sends the
    /// BYE (here 2.5 s later, after serve has counted the call) and gets the same 200 again (RFC 3261 §17.2.2).
    /// Then serve exits once the peer has been quiet in its calls for T2 + T1 (4.5 s), without waiting out timer J
    /// (64·T1, 32 s), though a load balancer goes on sending OPTIONS (out of any call) every half second.
    @Test func serveAnswersABYESentAgainAfterItsLastCall() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let serve = try sipflow(["serve", "basic-call", "--listen", "127.0.0.1:\(port)", "--plain", "--calls", "1",
                                 "--report", dir.appendingPathComponent("serve.json").path], in: dir, name: "serve")
        defer { serve.stop() }
        #expect(await serve.waitFor("listening on UDP"))
        let peer = try DatagramPeer(target: port)
        let local = "127.0.0.1:\(peer.port)"
        let dialog = """
            From: <sip:a@\(local)>;tag=a1
            Call-ID: again-\(port)@127.0.0.1
            Max-Forwards: 70
            """
        peer.send("""
            INVITE sip:b@127.0.0.1:\(port) SIP/2.0
            Via: SIP/2.0/UDP \(local);branch=z9hG4bK-invite
            \(dialog)
            To: <sip:b@127.0.0.1:\(port)>
            CSeq: 1 INVITE
            Contact: <sip:a@\(local)>
            Content-Length: 0


            """)
        let answered = peer.receive(within: .seconds(5)) { $0.hasPrefix("SIP/2.0 200") && $0.contains("INVITE") }
        let ok = try #require(answered, "the INVITE got no 200")
        let to = try #require(ok.split(separator: "\r\n").first { $0.lowercased().hasPrefix("to:") })
        func request(_ method: String, _ cseq: Int) -> String {
            """
            \(method) sip:b@127.0.0.1:\(port) SIP/2.0
            Via: SIP/2.0/UDP \(local);branch=z9hG4bK-\(method.lowercased())
            \(dialog)
            \(to)
            CSeq: \(cseq) \(method)
            Content-Length: 0


            """
        }
        peer.send(request("ACK", 1))
        let bye = request("BYE", 2)
        peer.send(bye)
        let byeAnswered: (String) -> Bool = { $0.hasPrefix("SIP/2.0 200") && $0.contains("2 BYE") }
        let first = peer.receive(within: .seconds(5), where: byeAnswered)
        #expect(first != nil, "the BYE got no 200")
        try await Task.sleep(for: .milliseconds(2500))  // serve counts the call within a second
        peer.send(bye)
        let again = peer.receive(within: .seconds(5), where: byeAnswered)
        #expect(again != nil && again == first, "the BYE sent again got \(again ?? "no answer"), not the same 200")
        let sent = ContinuousClock.now
        let balancer = try DatagramPeer(target: port)
        for n in 1...40 where serve.isRunning {
            balancer.send("""
                OPTIONS sip:b@127.0.0.1:\(port) SIP/2.0
                Via: SIP/2.0/UDP 127.0.0.1:\(balancer.port);branch=z9hG4bK-ping\(n)
                From: <sip:lb@127.0.0.1:\(balancer.port)>;tag=lb
                To: <sip:b@127.0.0.1:\(port)>
                Call-ID: ping-\(n)@127.0.0.1
                CSeq: \(n) OPTIONS
                Max-Forwards: 70
                Content-Length: 0


                """)
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(await serve.wait(atMost: .seconds(1)) == 0, "\(serve.stdout.suffix(1000))")
        #expect(ContinuousClock.now - sent < .seconds(10), "serve waited out timer J instead of a quiet peer")
        let s = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("serve.json")))
        #expect(s.totals.completed == 1 && s.totals.failed == 0, "\(s.failures)")
    }

    /// The same for `run`, the last call of which the callee hangs up: the caller's 200 to that BYE may be lost, so
    /// `run` stays to answer the BYE sent again (here 0.5 s later) before it exits.
    @Test func runAnswersABYESentAgainAfterItsLastCall() async throws {
        let dir = try Peers.workDirectory()
        let flow = dir.appendingPathComponent("callee-hangs-up.yaml")
        try """
            name: callee-hangs-up
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
              - callee -> caller: 200
              - caller -> callee: ACK
              - callee -> caller: BYE
              - caller -> callee: 200

            """.write(to: flow, atomically: true, encoding: .utf8)
        let peer = try DatagramPeer()  // answers the first to send to it: the caller
        let run = try sipflow(["run", flow.path, "--target", "127.0.0.1:\(peer.port)", "--calls", "1", "--plain",
                               "--report", dir.appendingPathComponent("run.json").path], in: dir, name: "run")
        defer { run.stop() }
        let invite = try #require(peer.receive(within: .seconds(5)) { $0.hasPrefix("INVITE ") }, "no INVITE")
        let lines = invite.split(separator: "\r\n").map(String.init)
        func header(_ name: String) -> String { lines.first { $0.lowercased().hasPrefix(name + ":") } ?? "" }
        let contact = try #require(header("contact").split(separator: "<").last?.split(separator: ">").first)
        let peerAt = "127.0.0.1:\(peer.port)"
        peer.send("""
            SIP/2.0 200 OK
            \(header("via"))
            \(header("from"))
            \(header("to"));tag=b1
            \(header("call-id"))
            \(header("cseq"))
            Contact: <sip:b@\(peerAt)>
            Content-Length: 0


            """)
        #expect(peer.receive(within: .seconds(5)) { $0.hasPrefix("ACK ") } != nil, "no ACK")
        let bye = """
            BYE \(contact) SIP/2.0
            Via: SIP/2.0/UDP \(peerAt);branch=z9hG4bK-bye
            From: \(header("to").dropFirst(3).trimmingCharacters(in: .whitespaces));tag=b1
            To: \(header("from").dropFirst(5).trimmingCharacters(in: .whitespaces))
            \(header("call-id"))
            CSeq: 1 BYE
            Max-Forwards: 70
            Content-Length: 0


            """
        peer.send(bye)
        let byeAnswered: (String) -> Bool = { $0.hasPrefix("SIP/2.0 200") && $0.contains("1 BYE") }
        let first = peer.receive(within: .seconds(5), where: byeAnswered)
        #expect(first != nil, "the BYE got no 200")
        try await Task.sleep(for: .milliseconds(500))  // run sees its last call ended within 0.1 s
        peer.send(bye)
        let again = peer.receive(within: .seconds(5), where: byeAnswered)
        #expect(again != nil && again == first, "the BYE sent again got \(again ?? "no answer"), not the same 200")
        let sent = ContinuousClock.now
        #expect(await run.wait(atMost: .seconds(20)) == 0, "\(run.stdout.suffix(1000))")
        #expect(ContinuousClock.now - sent < .seconds(10), "run waited out timer J instead of a quiet peer")
        let r = try RunReport.decode(Data(contentsOf: dir.appendingPathComponent("run.json")))
        #expect(r.totals.completed == 1 && r.totals.failed == 0, "\(r.failures)")
    }
}
