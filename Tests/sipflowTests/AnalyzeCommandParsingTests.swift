import ArgumentParser
import Testing
@testable import sipflow

/// `sipflow analyze`: its options, its refusals and its help. What it prints for real captures, and its exit codes,
/// are tested in InteropTests (`AnalyzeCommandTests`).
@Suite struct AnalyzeCommandParsingTests {
    static func parse(_ arguments: [String]) throws -> Analyze {
        try #require(try Sipflow.parseAsRoot(["analyze"] + arguments) as? Analyze)
    }

    @Test func optionsParseToTheirValues() throws {
        let a = try Self.parse(["a.pcap", "b.pcapng"])
        #expect(a.files == ["a.pcap", "b.pcapng"] && a.format == .text && a.callIDs.isEmpty && !a.ladder && !a.plain)
        let b = try Self.parse(["--format", "json", "--call-id", "x@h", "--call-id", "y@h", "--ladder", "--plain", "c.pcap"])
        #expect(b.format == .json && b.callIDs == ["x@h", "y@h"] && b.ladder && b.plain && b.files == ["c.pcap"])
    }

    @Test func noFileIsAUsageError() {
        do {
            _ = try Sipflow.parseAsRoot(["analyze"])
            Issue.record("parsed without a file")
        } catch {
            #expect(Sipflow.exitCode(for: error) == .validationFailure)
        }
        #expect(throws: (any Error).self) { try Sipflow.parseAsRoot(["analyze", "--format", "xml", "a.pcap"]) }
        #expect(throws: (any Error).self) { try Sipflow.parseAsRoot(["analyze", "--interface", "lo", "a.pcap"]) }
        let live = try? Self.parse(["--interface", "lo", "--filter", "udp port 5060"])
        #expect(live?.interface == "lo" && live?.filter == "udp port 5060" && live?.files == [])
    }

    @Test func helpNamesTheOptionsAndTheExitCodes() {
        let help = Sipflow.helpMessage(for: Analyze.self, columns: 200)
        for text in ["--format", "--call-id", "--interface", "--filter", "--ladder", "--plain", "docs/analysis.schema.json", "Exit codes:",
                     "0  analysed; no finding of severity error", "1  analysed; at least one finding of severity error",
                     "2  usage error, or a file that could not be read"] {
            #expect(help.contains(text), "help lacks \(text)")
        }
        #expect(Sipflow.helpMessage(columns: 200).contains("analyze"), "the root command lists analyze")
    }
}
