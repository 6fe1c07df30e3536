import Foundation
import SIPMonitor
import Testing
@testable import sipflow

/// `sipflow ping`: option parsing into a configuration, and its help. The exit codes of the binary are tested in
/// InteropTests (`PingPeerTests.argumentErrorsAreUnknown`).
@Suite struct PingCommandTests {
    static func configuration(_ arguments: [String]) throws -> PingConfiguration {
        try Ping.parse(arguments).configuration()
    }

    @Test func theIssuesExamplesParse() throws {
        let one = try Self.configuration(["sip:proxy.example.com"])
        #expect(one.targets.map(\.uri) == ["sip:proxy.example.com"])
        #expect(one.policy.timeout == .seconds(5) && one.policy.accept == .default && one.watch == nil)

        let nagios = try Ping.parse(["sip:10.0.0.5:5060", "--format", "nagios"])
        #expect(nagios.format == .nagios)

        let watch = try Self.configuration(["sip:lb1", "sip:lb2", "sip:lb3", "--watch", "--interval", "5s", "--down-after", "3", "--up-after", "2"])
        #expect(watch.targets.count == 3)
        #expect(watch.watch?.interval == .seconds(5) && watch.watch?.downAfter == 3 && watch.watch?.upAfter == 2)

        let register = try Self.configuration(["sip:registrar", "--method", "REGISTER", "--accept", "200,401", "--transport", "udp"])
        #expect(register.template.method == .register)
        #expect(register.policy.accept.accepts(401) && !register.policy.accept.accepts(403))
    }

    @Test func headersExpectationsAndThresholds() throws {
        let c = try Self.configuration(["sip:127.0.0.1", "--header", "User-Agent: lb-check", "--expect-header", "Server~kamailio",
                                        "--warn", "200ms", "--crit", "1s", "--timeout", "2s", "--from", "<sip:lb@example.com>"])
        #expect(c.template.headers.map(\.0) == ["User-Agent"] && c.template.headers.map(\.1) == ["lb-check"])
        #expect(c.policy.expectations == [HeaderExpectation(header: "Server", test: .contains("kamailio"))])
        #expect(c.policy.warn == .milliseconds(200) && c.policy.critical == .seconds(1) && c.policy.timeout == .seconds(2))
        #expect(c.template.from == "<sip:lb@example.com>")
    }

    @Test(arguments: [("5s", 5_000), ("500ms", 500), ("1.5s", 1_500), ("2m", 120_000)])
    func durationsUseTheCLIsGrammar(_ text: String, _ millis: Int) throws {
        #expect(try Self.configuration(["sip:a", "--timeout", "30s", "--warn", text]).policy.warn == .milliseconds(millis))
    }

    @Test(arguments: ["", "fast", "-1s", "5 parsecs", "2d", "0.25"])
    func badDurationsAreRejected(_ text: String) {
        #expect(throws: (any Error).self) { try Self.configuration(["sip:a", "--warn", text]) }
        #expect(throws: PingArgumentError.self) { try Ping.duration(text, option: "--warn") }
    }

    @Test func aTargetsFileAddsTargets() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ping-targets-\(UUID().uuidString).txt")
        try "# backends\nsip:127.0.0.1:5060\n\n  sip:127.0.0.1:5070   # second\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let c = try Self.configuration(["sip:127.0.0.1:5080", "--targets", file.path])
        #expect(c.targets.map(\.uri) == ["sip:127.0.0.1:5080", "sip:127.0.0.1:5060", "sip:127.0.0.1:5070"])
    }

    @Test(arguments: [
        ["--accept", "2xy", "sip:a"], ["--timeout", "0s", "sip:a"], ["--timeout", "40s", "sip:a"], ["--header", "NoColon", "sip:a"], ["--header", "Bad Name: x", "sip:a"], ["sip:a;transport=tcp"], ["sip:a", "--transport", "tls"],
        ["--expect-header", "~x", "sip:a"], ["sip:a", "--count", "3"], ["sip:a", "--watch", "--format", "nagios"],
        ["sip:a", "--watch", "--down-after", "0"], ["sip:a:99999"], ["--targets", "/nonexistent/file"], [],
    ])
    func badArgumentsAreRejected(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try Ping.parseAsRoot(arguments) }
    }

    @Test func helpDocumentsTheNagiosExitCodes() {
        let help = Ping.helpMessage()
        #expect(help.contains("0  OK"))
        #expect(help.contains("1  WARNING"))
        #expect(help.contains("2  CRITICAL"))
        #expect(help.contains("3  UNKNOWN   bad arguments"))
        #expect(help.contains("--expect-header"))
        #expect(Sipflow.helpMessage().contains("Nagios"))
    }
}
