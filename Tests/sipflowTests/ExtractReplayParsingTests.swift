import ArgumentParser
import Testing
@testable import sipflow

/// `sipflow extract` and `sipflow replay`: their options, refusals and help. What they do with real captures is
/// tested in InteropTests (`ReplayCommandTests`).
@Suite struct ExtractReplayParsingTests {
    @Test func extractOptionsParseToTheirValues() throws {
        let e = try #require(try Sipflow.parseAsRoot(["extract", "c.pcap"]) as? Extract)
        #expect(e.options.capture == "c.pcap" && e.options.callID == nil && e.options.side == "caller")
        #expect(!e.options.keepTiming && e.options.dropHeaders.isEmpty && e.options.name == "from-capture" && e.output == nil)
        let f = try #require(try Sipflow.parseAsRoot(["extract", "c.pcap", "--call-id", "x@h", "--as", "callee", "--keep-timing",
                                                      "--drop-header", "User-Agent", "--drop-header", "Subject",
                                                      "--name", "mine", "-o", "f.yaml"]) as? Extract)
        #expect(f.options.callID == "x@h" && f.options.side == "callee" && f.options.keepTiming)
        #expect(f.options.dropHeaders == ["User-Agent", "Subject"] && f.options.name == "mine" && f.output == "f.yaml")
        #expect(throws: (any Error).self) { try Sipflow.parseAsRoot(["extract", "c.pcap", "--as", "proxy"]) }
        #expect(throws: (any Error).self) { try Sipflow.parseAsRoot(["extract"]) }
        let all = try #require(try Sipflow.parseAsRoot(["extract", "c.pcap", "--all", "-o", "s.yaml"]) as? Extract)
        #expect(all.all && all.output == "s.yaml")
        for (arguments, sentence) in [(["--all"], "--all writes several flows: name them with -o FILE."),
                                      (["--all", "-o", "s.yaml", "--call-id", "x"], "--all and --call-id pick calls two ways: give one.")] {
            do {
                _ = try Sipflow.parseAsRoot(["extract", "c.pcap"] + arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                #expect(Sipflow.message(for: error) == sentence)
            }
        }
    }

    /// replay keeps extract's options and hands every other one to run (or serve).
    @Test func replayPassesTheEngineOptionsOn() throws {
        let r = try #require(try Sipflow.parseAsRoot(["replay", "c.pcap", "--target", "127.0.0.1:5060", "--rate", "200",
                                                      "--calls", "1000", "--keep-timing", "--report", "r.json"]) as? Replay)
        #expect(r.extraction.capture == "c.pcap" && r.extraction.keepTiming)
        #expect(r.engineArguments == ["--target", "127.0.0.1:5060", "--rate", "200", "--calls", "1000", "--report", "r.json"])
        let s = try #require(try Sipflow.parseAsRoot(["replay", "c.pcap", "--as", "callee", "--listen", "127.0.0.1:5070"]) as? Replay)
        #expect(s.extraction.side == "callee" && s.engineArguments == ["--listen", "127.0.0.1:5070"])
    }

    @Test func helpNamesTheOptionsAndTheExitCodes() {
        let extract = Sipflow.helpMessage(for: Extract.self, columns: 200)
        for text in ["--call-id", "--as", "--keep-timing", "--drop-header", "--output", "Exit codes:", "0  the flow was written",
                     "1  nothing to extract", "2  usage error"] {
            #expect(extract.contains(text), "extract help lacks \(text)")
        }
        let replay = Sipflow.helpMessage(for: Replay.self, columns: 200)
        for text in ["--save-flow", "'sipflow run'", "'sipflow serve'", "Exit codes"] {
            #expect(replay.contains(text), "replay help lacks \(text)")
        }
        let root = Sipflow.helpMessage(columns: 200)
        #expect(root.contains("extract") && root.contains("replay"))
    }
}
