import Foundation
import Testing

/// `--pcap`: what `run`, `serve` and `ping` record, decoded by tshark (an independent decoder): every message of
/// every built-in flow, both roles, over IPv4 and IPv6, is one SIP packet with good IP and UDP checksums, none
/// malformed, as many as the `--trace` of the same run lists, with the calls' Call-IDs.
@Suite struct PcapRecordingTests {
    static let flows = ["basic-call", "cancel", "decline", "options", "register", "reinvite"]
    static let calls = 4

    @Test(arguments: flows, ["127.0.0.1", "::1"])
    func everyMessageOfARunIsOneGoodSIPPacket(flow: String, host: String) async throws {
        guard Peers.available("tshark") else { return }
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let serve = try PeerProcess(Peers.sipflow, ["serve", flow, "--listen", address, "--plain", "--pcap", "serve.pcap",
                                                    "--trace", "serve.trace"], in: dir, name: "serve")
        defer { serve.stop() }
        guard await serve.waitFor("listening on UDP") else {
            if host == "::1", serve.stderr.contains("cannot bind") {
                print("◇ skipping \(flow) over IPv6: no IPv6 loopback here")
                return
            }
            Issue.record("serve did not start: \(serve.stderr)")
            return
        }
        let run = try PeerProcess(Peers.sipflow, ["run", flow, "--target", address, "--rate", "20", "--calls", "\(Self.calls)",
                                                  "--plain", "--pcap", "run.pcap", "--trace", "run.trace"], in: dir, name: "run")
        #expect(await run.wait(atMost: .seconds(60)) == 0, "\(run.stderr)")
        serve.signal(SIGINT)
        #expect(await serve.wait(atMost: .seconds(20)) != nil)

        for side in ["run", "serve"] {
            let pcap = dir.appendingPathComponent("\(side).pcap").path
            let traced = try Self.tracedMessages(dir.appendingPathComponent("\(side).trace"))
            let fields = try Self.tshark(pcap, ["-T", "fields", "-e", "ip.version", "-e", "ipv6.version", "-e", "sip.Call-ID",
                                                "-e", "udp.checksum.status", "-e", "ip.checksum.status"])
            let rows = fields.split(separator: "\n", omittingEmptySubsequences: true).map {
                $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            }
            #expect(rows.count == traced, "\(side): \(rows.count) packets, \(traced) messages traced")
            #expect(rows.count >= Self.calls * 2, "\(side): \(rows.count) packets")
            let version = host.contains(":") ? "6" : "4"
            #expect(rows.allSatisfy { $0[0] == version || $0[1] == version }, "\(side): IPv\(version) throughout")
            #expect(rows.allSatisfy { !$0[2].isEmpty }, "\(side): each packet is SIP with a Call-ID")
            #expect(Set(rows.map { $0[2] }).count == Self.calls, "\(side): the calls' Call-IDs")
            #expect(rows.allSatisfy { $0[3] == "1" }, "\(side): good UDP checksums")
            if version == "4" { #expect(rows.allSatisfy { $0[4] == "1" }, "\(side): good IPv4 header checksums") }
            let bad = try Self.tshark(pcap, ["-Y", "_ws.malformed || _ws.expert.severity >= error || !sip"])
            #expect(bad.isEmpty, "\(side): \(bad)")

            // sipflow's own analysis of the same file finds as many messages and calls, and nothing wrong.
            let analysis = try await AnalyzeCommandTests.analyze([pcap], in: dir)
            #expect(analysis.code == 0, "\(side): analyze exited \(String(describing: analysis.code)): \(analysis.stderr)")
            #expect(analysis.summary.sipMessages == rows.count, "\(side): \(analysis.summary.sipMessages) of \(rows.count)")
            #expect(analysis.calls.count == Self.calls && analysis.calls.allSatisfy { $0.ending == "completed" },
                    "\(side): \(analysis.calls.map { "\($0.callID) \($0.ending)" })")
            #expect(analysis.summary.findings.isEmpty, "\(side): \(analysis.summary.findings)")
        }
    }

    @Test func pingRecordsItsProbeAndTheAnswer() async throws {
        guard Peers.available("tshark") else { return }
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let serve = try await Peers.serve("options", port: port, in: dir)
        defer { serve.stop() }
        let ping = try PeerProcess(Peers.sipflow, ["ping", "sip:127.0.0.1:\(port)", "--pcap", "ping.pcap"], in: dir, name: "ping")
        #expect(await ping.wait(atMost: .seconds(20)) == 0, "\(ping.stdout) \(ping.stderr)")
        let lines = try Self.tshark(dir.appendingPathComponent("ping.pcap").path,
                                    ["-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"])
        #expect(lines.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == ["OPTIONS", "200"], "\(lines)")
    }

    /// --pcap-format pcapng (or a name ending in .pcapng): each packet carries a comment naming its call and
    /// direction, which tshark shows beside it; analyze reads the file as any other.
    @Test func aPcapngRecordingNamesEachPacketsCall() async throws {
        guard Peers.available("tshark") else { return }
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let serve = try await Peers.serve("basic-call", port: port, in: dir)
        defer { serve.stop() }
        let run = try PeerProcess(Peers.sipflow, ["run", "basic-call", "--target", "127.0.0.1:\(port)", "--calls", "3",
                                                  "--rate", "10", "--plain", "--pcap", "run.pcapng"], in: dir, name: "run")
        #expect(await run.wait(atMost: .seconds(30)) == 0, "\(run.stderr)")
        let pcapng = dir.appendingPathComponent("run.pcapng").path
        let rows = try Self.tshark(pcapng, ["-T", "fields", "-e", "frame.comment", "-e", "sip.Method", "-e", "sip.Status-Code"])
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 21, "\(rows)")
        #expect(rows.allSatisfy { $0[0].range(of: #"^sipflow: call [0-2] (sent|received)$"#, options: .regularExpression) != nil }, "\(rows)")
        #expect(rows.filter { $0[1] == "INVITE" }.allSatisfy { $0[0].hasSuffix(" sent") })
        let analysis = try await AnalyzeCommandTests.analyze([pcapng], in: dir)
        #expect(analysis.code == 0 && analysis.summary.sipMessages == 21 && analysis.summary.invite.answered == 3)
    }

    /// A disk that fills mid-run (here a file-size limit, RLIMIT_FSIZE, with SIGXFSZ ignored): the run goes on,
    /// says once that the recording stopped, and leaves a valid file holding what was written before.
    @Test func aDiskThatFillsMidRunLeavesAValidFile() async throws {
        guard Peers.available("tshark") else { return }
        let dir = try Peers.workDirectory()
        let port = try Peers.freePort()
        let serve = try await Peers.serve("basic-call", port: port, in: dir)
        defer { serve.stop() }
        let command = "trap '' XFSZ; ulimit -f 24; exec '\(Peers.sipflow)' run basic-call --target 127.0.0.1:\(port) " +
            "--calls 200 --rate 100 --plain --pcap run.pcap"
        let run = try PeerProcess("/bin/sh", ["-c", command], in: dir, name: "run")
        #expect(await run.wait(atMost: .seconds(60)) == 0, "the calls still pass: \(run.stderr)")
        let errors = run.stderr.split(separator: "\n").filter { $0.contains("--pcap: cannot write") }
        #expect(errors.count == 1, "reported once: \(run.stderr)")
        let path = dir.appendingPathComponent("run.pcap").path
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size <= 24 * 1024 && size > 1_000, "\(size) bytes")
        let frames = try Self.tshark(path, ["-T", "fields", "-e", "frame.number"]).split(separator: "\n").count
        let bad = try Self.tshark(path, ["-Y", "_ws.malformed || !sip"])
        #expect(frames > 10 && frames < 1_400 && bad.isEmpty, "\(frames) frames; \(bad)")
        let analysis = try await AnalyzeCommandTests.analyze([path], in: dir)
        #expect(analysis.code == 0 && analysis.summary.sipMessages == frames, "\(analysis.stderr)")
    }

    @Test func aPcapFileThatCannotBeMadeIsAUsageErrorNamingIt() async throws {
        let dir = try Peers.workDirectory()
        let run = try PeerProcess(Peers.sipflow, ["run", "basic-call", "--target", "127.0.0.1:5060", "--calls", "1",
                                                  "--pcap", "/nonexistent-dir/x.pcap"], in: dir, name: "run")
        #expect(await run.wait(atMost: .seconds(20)) == 2)
        #expect(run.stderr.contains("--pcap: cannot create '/nonexistent-dir/x.pcap': No such file or directory"),
                "\(run.stderr)")
    }

    /// How many messages a `--trace` file lists (one header line each).
    static func tracedMessages(_ url: URL) throws -> Int {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).filter {
            $0.hasPrefix("20") && ($0.contains(" sent UDP ") || $0.contains(" received UDP "))
        }.count
    }

    /// tshark's output for `file` with `arguments`, checksums checked.
    static func tshark(_ file: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Peers.path(of: "tshark") ?? "/usr/bin/tshark")
        process.arguments = ["-r", file, "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw InteropError("tshark -r \(file) exited \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }
}
