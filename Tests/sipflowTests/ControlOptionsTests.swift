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

    @Test func pcapRotationParsesAndNeedsItsPartners() throws {
        let base = ["run", "basic-call", "--target", "127.0.0.1", "--pcap", "r.pcap"]
        let run = try #require(try Self.parse(base + ["--pcap-max-size", "100MB", "--pcap-max-files", "5"]) as? Run)
        #expect(run.options.diagnostics.pcapRotation == .init(maxSize: 100_000_000, maxFiles: 5))
        #expect(try #require(try Self.parse(base) as? Run).options.diagnostics.pcapRotation == .init())
        #expect(ByteCount(argument: "64KiB")?.bytes == 65_536 && ByteCount(argument: "1.5GB")?.bytes == 1_500_000_000)
        #expect(ByteCount(argument: "2000")?.bytes == 2_000 && ByteCount(argument: "3 MiB")?.bytes == 3 * 1_048_576)
        #expect(ByteCount(argument: "lots") == nil && ByteCount(argument: "-5MB") == nil && ByteCount(argument: "5XB") == nil)
        #expect(Self.refusal(base + ["--pcap-max-files", "3"])
                == "--pcap-max-files needs --pcap-max-size: files are counted once one fills.")
        #expect(Self.refusal(["serve", "basic-call", "--pcap-max-size", "1MB"]) == "--pcap-format, --pcap-max-size and --pcap-max-files need --pcap FILE.")
        #expect(Self.refusal(base + ["--pcap-max-size", "10"])?.contains("at least 1kB") == true)
        #expect(Self.refusal(base + ["--pcap-max-size", "1MB", "--pcap-max-files", "0"]) == "--pcap-max-files must be at least 1.")
        #expect(Self.refusal(base + ["--pcap-max-size", "big"])?.contains("--pcap-max-size") == true)
        let ping = try #require(try Self.parse(["ping", "sip:127.0.0.1", "--pcap", "p.pcap", "--pcap-max-size", "1kB"]) as? Ping)
        #expect(ping.diagnostics.pcapRotation.maxSize == 1_000)
        let ng = try #require(try Self.parse(base + ["--pcap-format", "pcapng"]) as? Run)
        #expect(ng.options.diagnostics.pcapFormat == .pcapng && run.options.diagnostics.pcapFormat == nil)
        #expect(Self.refusal(base + ["--pcap-format", "pcapx"])?.contains("--pcap-format") == true)
    }

    @Test func badValuesAreRefusedWithTheirSentence() {
        #expect(Self.refusal(["run", "basic-call", "--target", "127.0.0.1", "--grace", "soon"])
                == "--grace 'soon' is not a duration such as 5s.")
        #expect(Self.refusal(["serve", "basic-call", "--log-level", "loud"])?.contains("--log-level") == true)
        #expect(Self.refusal(["ping", "sip:127.0.0.1", "--log-level", "loud"])?.contains("--log-level") == true)
    }
}
