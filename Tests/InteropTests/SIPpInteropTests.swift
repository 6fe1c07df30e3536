import Foundation
import Testing
@testable import SIPEngine

/// sipflow against SIPp, both ways: SIPp's built-in uas and uac scenarios (issue: zero failed calls at 1,000
/// calls/s for 10 s in both directions; a debug build runs at a tenth of the rate).
@Suite(.serialized, .enabled(if: Peers.available("sipp")))
struct SIPpInteropTests {
    @Test func sipflowCallsSIPpUAS() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let sipp = try PeerProcess("sipp", ["-sn", "uas", "-i", "127.0.0.1", "-p", "\(port)", "-nostdin"], in: dir, name: "sipp-uas")
        defer { sipp.stop() }
        try await Task.sleep(for: .milliseconds(500))
        let rate = Peers.rate(1000)
        let report = dir.appendingPathComponent("run.json").path
        let run = try PeerProcess(Peers.sipflow, [
            "run", "basic-call", "--target", "127.0.0.1:\(port)", "--rate", "\(rate)", "--duration", "10s",
            "--report", report, "--plain", "--fail-if", "retransmissions > 0",
        ], in: dir, name: "sipflow-run")
        let status = await run.wait(atMost: .seconds(60))
        let r = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: report)))
        #expect(status == 0, "\(run.stdout.suffix(2000))\(run.stderr)")
        #expect(r.totals.failed == 0, "failures: \(r.failures)")
        #expect(r.totals.completed == UInt64(rate * 10))
        #expect(r.totals.retransmissions == 0)
        #expect(r.latency["setup"]?.count == UInt64(rate * 10))
    }

    @Test func sippUACCallsSipflowServe() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let report = dir.appendingPathComponent("serve.json").path
        let serve = try PeerProcess(Peers.sipflow, [
            "serve", "basic-call", "--listen", "127.0.0.1:\(port)", "--report", report, "--plain", "--duration", "60s",
        ], in: dir, name: "sipflow-serve")
        defer { serve.stop() }
        #expect(await serve.waitFor("listening on UDP"))
        let rate = Peers.rate(1000)
        let calls = rate * 10
        let sipp = try PeerProcess("sipp", [
            "-sn", "uac", "127.0.0.1:\(port)", "-i", "127.0.0.1", "-p", "\(try Peers.freePort())", "-r", "\(rate)",
            "-m", "\(calls)", "-l", "\(calls)", "-nostdin", "-timeout", "50s", "-trace_stat", "-stf", "uac.csv", "-fd", "1",
        ], in: dir, name: "sipp-uac")
        let sippStatus = await sipp.wait(atMost: .seconds(60))
        serve.signal(SIGINT)
        let serveStatus = await serve.wait(atMost: .seconds(15))
        let stats = try SIPpStats(csv: dir.appendingPathComponent("uac.csv"))
        #expect(sippStatus == 0, "SIPp: \(sipp.stderr)")
        #expect(stats.count("SuccessfulCall(C)") == calls)
        #expect(stats.count("FailedCall(C)") == 0)
        #expect(stats.count("Retransmissions(C)") == 0)
        let r = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: report)))
        #expect(serveStatus == 0, "\(serve.stdout.suffix(2000))")
        #expect(r.totals.completed == UInt64(calls))
        #expect(r.totals.failed == 0, "failures: \(r.failures)")
    }

    /// Packet loss: SIPp drops 5% of what it sends (`-lost 5`); retransmissions recover every call.
    @Test func callsCompleteThroughLossWithRetransmissions() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let sipp = try PeerProcess("sipp", ["-sn", "uas", "-i", "127.0.0.1", "-p", "\(port)", "-nostdin", "-lost", "5"],
                                   in: dir, name: "sipp-lossy-uas")
        defer { sipp.stop() }
        try await Task.sleep(for: .milliseconds(500))
        let report = dir.appendingPathComponent("run.json").path
        let run = try PeerProcess(Peers.sipflow, [
            "run", "basic-call", "--target", "127.0.0.1:\(port)", "--rate", "50", "--calls", "200",
            "--report", report, "--plain", "--t1", "100ms",
        ], in: dir, name: "sipflow-run")
        let status = await run.wait(atMost: .seconds(60))
        let r = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: report)))
        #expect(status == 0, "\(run.stdout.suffix(2000))")
        #expect(r.totals.completed == 200, "failures: \(r.failures)")
        #expect(r.totals.retransmissions > 0, "5% loss of SIPp's 600 messages must cost retransmissions")
    }

    /// Loss the other way: SIPp's uac drops 5% of its messages (INVITE, ACK, BYE) towards `sipflow serve`.
    @Test func serveRecoversFromLostRequests() async throws {
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let report = dir.appendingPathComponent("serve.json").path
        let serve = try PeerProcess(Peers.sipflow, [
            "serve", "basic-call", "--listen", "127.0.0.1:\(port)", "--report", report, "--plain", "--t1", "100ms",
        ], in: dir, name: "sipflow-serve")
        defer { serve.stop() }
        #expect(await serve.waitFor("listening on UDP"))
        let sipp = try PeerProcess("sipp", [
            "-sn", "uac", "127.0.0.1:\(port)", "-i", "127.0.0.1", "-p", "\(try Peers.freePort())", "-r", "50", "-m", "200",
            "-nostdin", "-lost", "5", "-timeout", "50s", "-trace_stat", "-stf", "uac.csv", "-fd", "1",
        ], in: dir, name: "sipp-lossy-uac")
        let sippStatus = await sipp.wait(atMost: .seconds(60))
        serve.signal(SIGINT)
        _ = await serve.wait(atMost: .seconds(15))
        let stats = try SIPpStats(csv: dir.appendingPathComponent("uac.csv"))
        #expect(sippStatus == 0)
        #expect(stats.count("SuccessfulCall(C)") == 200)
        let r = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: report)))
        #expect(r.totals.completed == 200, "failures: \(r.failures)")
        #expect(r.totals.retransmissions > 0, "lost ACKs make sipflow retransmit its 200 (RFC 3261 §13.3.1.4)")
    }
}
