import ArgumentParser
import Foundation
import SIPExtract

/// `sipflow replay`: a captured call played again at a rate — `extract` and `run` (or `serve`) in one step.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a captured call again, as its caller (like 'run') or its callee (like 'serve').",
        discussion: """
            Extracts the call as 'sipflow extract' does (--call-id, --as, --keep-timing, --drop-header), then plays \
            it: as the caller every option of 'sipflow run' applies (--target, --rate, --calls, --report, --pcap, \
            --fail-if, …); with --as callee those of 'sipflow serve' (--listen, --calls, …). Each call gets fresh \
            identifiers, so replays never collide. The flow played is written with --save-flow.

            Exit codes: those of 'run' (or 'serve'), and 1 when the capture holds nothing to replay (see 'sipflow \
            extract --help').
            """
    )

    @OptionGroup var extraction: ExtractOptions

    @Option(help: "Also write the flow played to this file.")
    var saveFlow: String?

    @Argument(parsing: .allUnrecognized, help: "The options of 'sipflow run' (or 'sipflow serve' with --as callee).")
    var engineArguments: [String] = []

    func run() async throws {
        let flow = try extraction.extract(writingTo: saveFlow)
        let path = saveFlow ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("sipflow-replay-\(UUID().uuidString).yaml").path
        do { try flow.yaml.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            Stderr.print("replay: cannot write the flow to '\(path)': \(error.localizedDescription)")
            throw ExitCode(ExitStatus.usageOrInput)
        }
        defer { if saveFlow == nil { try? FileManager.default.removeItem(atPath: path) } }
        if extraction.side == "callee" {
            let serve = try Serve.parse([path] + engineArguments)
            try await serve.run()
        } else {
            let run = try Run.parse([path] + engineArguments)
            try await run.run()
        }
    }
}
