import ArgumentParser
import Logging
import Testing
@testable import sipflow

/// `--grace`, `--trace` and `--log-level` on `run`, `serve` and `ping`: what they parse to and what is refused.
@Suite struct ControlOptionsTests {
    static func parse(_ arguments: [String]) throws -> ParsableCommand { try Sipflow.parseAsRoot(arguments) }

    static func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try Sipflow.parseAsRoot(arguments)
            return nil
        } catch {
            return Sipflow.message(for: error)
        }
    }

    @Test func defaultsAndValues() throws {
        let run = try #require(try Self.parse(["run", "basic-call", "--target", "127.0.0.1"]) as? Run)
        #expect(run.options.grace == "5s" && run.options.diagnostics.trace == nil && run.options.diagnostics.logLevel == .notice)
        let serve = try #require(try Self.parse(["serve", "basic-call", "--grace", "1s", "--trace", "-", "--log-level", "debug"]) as? Serve)
        #expect(serve.options.grace == "1s" && serve.options.diagnostics.trace == "-" && serve.options.diagnostics.logLevel == .debug)
        let ping = try #require(try Self.parse(["ping", "sip:127.0.0.1", "--trace", "p.trace", "--log-level", "error"]) as? Ping)
        #expect(ping.diagnostics.trace == "p.trace" && ping.diagnostics.logLevel == .error)
        #expect(run.options.diagnostics.pcap == nil)
        let recorded = try #require(try Self.parse(["run", "basic-call", "--target", "127.0.0.1", "--pcap", "r.pcap"]) as? Run)
        #expect(recorded.options.diagnostics.pcap == "r.pcap")
        let probe = try #require(try Self.parse(["ping", "sip:127.0.0.1", "--pcap", "p.pcap"]) as? Ping)
        #expect(probe.diagnostics.pcap == "p.pcap")
    }

    @Test func badValuesAreRefusedWithTheirSentence() {
        #expect(Self.refusal(["run", "basic-call", "--target", "127.0.0.1", "--grace", "soon"])
                == "--grace 'soon' is not a duration such as 5s.")
        #expect(Self.refusal(["serve", "basic-call", "--log-level", "loud"])?.contains("--log-level") == true)
        #expect(Self.refusal(["ping", "sip:127.0.0.1", "--log-level", "loud"])?.contains("--log-level") == true)
    }
}
