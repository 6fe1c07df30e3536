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
        try """
            name: long-call
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
              - callee -> caller: 200
              - caller -> callee: ACK
              - pause: 60s
              - caller -> callee: BYE
              - callee -> caller: 200

            """.write(to: flow, atomically: true, encoding: .utf8)
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
}
