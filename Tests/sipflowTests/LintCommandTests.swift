import Foundation
import Testing
@testable import sipflow

/// `sipflow lint` end to end: the real binary, real files, exit codes as documented.
@Suite struct LintCommandTests {
    static let good = "captures/messages/invite.sip"
    static let broken = "captures/messages/options-broken.sip"

    @Test func aConformingMessageExitsZeroWithNoErrors() throws {
        let r = try CLIRunner.run(["lint", Self.good, "captures/messages/200-ok.sip"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("0 errors"))
        #expect(r.stdout.contains("in 2 messages"))
    }

    @Test func aBrokenMessageExitsOneAndNamesItsRules() throws {
        let r = try CLIRunner.run(["lint", Self.broken])
        #expect(r.status == 1)
        // The CSeq method differs from the request method, and Max-Forwards is missing.
        #expect(r.stdout.contains("cseq-method"), "\(r.stdout)")
        #expect(r.stdout.contains("Max-Forwards"), "\(r.stdout)")
        #expect(r.stdout.contains("RFC 3261 §"))
    }

    @Test func jsonOutputCarriesRuleSeverityReferenceAndCounts() throws {
        let r = try CLIRunner.run(["lint", "--format", "json", Self.broken, Self.good])
        #expect(r.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["schemaVersion"] as? Int == 1)
        let inputs = try #require(json["inputs"] as? [[String: Any]])
        #expect(inputs.count == 2)
        #expect(inputs[0]["source"] as? String == Self.broken)
        let findings = try #require(inputs[0]["findings"] as? [[String: Any]])
        let cseq = try #require(findings.first { ($0["rule"] as? String)?.contains("cseq-method") == true })
        #expect(cseq["severity"] as? String == "error")
        #expect((cseq["reference"] as? String)?.hasPrefix("RFC 3261 §") == true)
        #expect(cseq["line"] as? Int == 6)
        #expect((json["errors"] as? Int ?? 0) >= 2)
        #expect(inputs[1]["errors"] as? Int == 0)
        let message = try #require(inputs[1]["message"] as? [String: Any])
        #expect(message["method"] as? String == "INVITE")
    }

    @Test func standardInputIsReadForDash() throws {
        let bytes = try Data(contentsOf: CLIRunner.repoRoot.appendingPathComponent(Self.broken))
        let r = try CLIRunner.run(["lint", "-"], stdin: bytes)
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("-: OPTIONS sip:carol@chicago.example.com"))
    }

    @Test func bytesThatAreNotSIPAreAnErrorFindingNotACrash() throws {
        let r = try CLIRunner.run(["lint", "-"], stdin: Data("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(r.status == 1)
        #expect(r.stdout.contains("not a SIP message"))
        #expect(r.stdout.contains("error"))
    }

    @Test func aMissingFileIsAnInputErrorWithExitTwo() throws {
        let r = try CLIRunner.run(["lint", "no/such/file.sip", Self.good])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no/such/file.sip"))
        #expect(r.stdout.contains(Self.good), "the readable file is still reported")
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try CLIRunner.run(["lint"]).status == 2)
        #expect(try CLIRunner.run(["lint", "--format", "xml", Self.good]).status == 2)
        #expect(try CLIRunner.run(["lint", "-", "-"]).status == 2)
        #expect(try CLIRunner.run(["no-such-command"]).status == 2)
    }

    @Test func lfOptionAcceptsHandWrittenLineEnds() throws {
        let text = "OPTIONS sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\nMax-Forwards: 70\n"
            + "To: <sip:a@example.com>\nFrom: <sip:b@example.com>;tag=1\nCall-ID: c1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"
        let plain = try CLIRunner.run(["lint", "-"], stdin: Data(text.utf8))
        #expect(plain.stdout.contains("LF"), "bare LF is reported without --lf: \(plain.stdout)")
        let lf = try CLIRunner.run(["lint", "--lf", "-"], stdin: Data(text.utf8))
        #expect(lf.status == 0, "\(lf.stdout)")
        #expect(!lf.stdout.contains("LF instead of CRLF"))
    }

    @Test func minSeverityHidesLesserFindingsButCountsStayTrue() throws {
        let r = try CLIRunner.run(["lint", "--min-severity", "error", "--format", "json", Self.broken])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let inputs = try #require(json["inputs"] as? [[String: Any]])
        let findings = try #require(inputs[0]["findings"] as? [[String: Any]])
        #expect(findings.allSatisfy { $0["severity"] as? String == "error" })
        #expect((inputs[0]["warnings"] as? Int ?? 0) >= 1, "the broken sample's branch has no magic cookie")
    }

    @Test func helpDocumentsTheExitCodes() {
        let help = Sipflow.helpMessage(for: Lint.self, columns: 200)
        #expect(help.contains("Exit codes:"))
        #expect(help.contains("0  no finding of severity error"))
        #expect(help.contains("1  at least one error finding"))
        #expect(help.contains("2  usage error"))
    }

    @Test func optionsParseIntoTheCommand() throws {
        let parsed = try Sipflow.parseAsRoot(["lint", "--format", "json", "--min-severity", "warning", "a.sip", "b.sip"])
        let lint = try #require(parsed as? Lint)
        #expect(lint.format == .json)
        #expect(lint.minSeverity == .warning)
        #expect(lint.files == ["a.sip", "b.sip"])
        #expect(throws: (any Error).self) { try Sipflow.parseAsRoot(["lint", "--min-severity", "fatal", "a.sip"]) }
    }
}
