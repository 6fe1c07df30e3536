import ArgumentParser
import Foundation
import SIPAnalysis
import SIPExtract
import SIPFlow

/// `sipflow extract`: a captured call as a flow file that `run` and `serve` play.
struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a captured call into a flow file both parties can play.",
        discussion: """
            Reads the capture as 'sipflow analyze' does and writes the call (--call-id, or the first INVITE call) as \
            a flow: its messages in order, both parties, retransmissions left out. What is per call — Call-ID, tags, \
            branches, CSeq, Contact, routes, Content-Length — is left to the engine; SDP session ids, addresses and \
            media ports become variables; other headers and bodies are kept as captured (--drop-header leaves one \
            out). When the call crosses a proxy, the hop nearest the party named by --as is taken, and said so. The \
            flow is checked as 'sipflow validate' would before it is written.

            Exit codes:
              0  the flow was written
              1  nothing to extract: no SIP in the capture, no such call, or a call captured mid-way (its first \
            request missing)
              2  usage error, or a capture that could not be read (one cut short is used up to the cut, with a \
            warning)
            """
    )

    @OptionGroup var options: ExtractOptions

    @Option(name: [.short, .customLong("output")], help: "Write the flow here (default: standard output; with --all, FILE-1.yaml, FILE-2.yaml, …).")
    var output: String?

    @Flag(help: "One flow for each distinct call shape in the capture (the first \(ExtractOptions.allLimit) calls), most common first; needs -o.")
    var all = false

    func validate() throws {
        if all, output == nil { throw ValidationError("--all writes several flows: name them with -o FILE.") }
        if all, options.callID != nil { throw ValidationError("--all and --call-id pick calls two ways: give one.") }
    }

    func run() throws {
        if all { return try runAll(output!) }
        let flow = try options.extract(writingTo: output)
        if let output {
            do { try flow.yaml.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                Stderr.print("extract: cannot write '\(output)': \(error.localizedDescription)")
                throw ExitCode(ExitStatus.usageOrInput)
            }
            Stderr.print("extract: wrote \(output): \(flow.steps) steps")
        } else {
            print(flow.yaml, terminator: "")
        }
    }
}

extension Extract {
    /// `--all`: each call shape as its own flow, `FILE-1.yaml` the most common.
    func runAll(_ output: String) throws {
        let (collector, _) = try options.collect(limit: ExtractOptions.allLimit)
        var shapes: [[String]: [CapturedCall]] = [:]
        for call in collector.calls where call.firstRequest != nil { shapes[FlowExtractor.shape(call), default: []].append(call) }
        guard !shapes.isEmpty else {
            Stderr.print("extract: \(options.capture): no call starts with a request")
            throw ExitCode(ExitStatus.checksFailed)
        }
        let ordered = shapes.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count
            : $0.value[0].messages[0].packet < $1.value[0].messages[0].packet }
        let base = output.hasSuffix(".yaml") ? String(output.dropLast(5)) : output
        for (i, (_, calls)) in ordered.enumerated() {
            let path = "\(base)-\(i + 1).yaml"
            var opts = options
            opts.name = "\(options.name)-\(i + 1)"
            let flow = try opts.extract(calls[0], writingTo: path)
            do { try flow.yaml.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                Stderr.print("extract: cannot write '\(path)': \(error.localizedDescription)")
                throw ExitCode(ExitStatus.usageOrInput)
            }
            Stderr.print("extract: wrote \(path): \(calls.count) of \(collector.calls.count) calls, \(flow.steps) steps (Call-ID \(calls[0].callID))")
        }
    }
}

/// What `extract` and `replay` share: the capture, the call, the hop, timing and headers.
struct ExtractOptions: ParsableArguments {
    @Argument(help: "The capture file (pcap or pcapng, gzip-compressed or not).")
    var capture: String

    @Option(name: .customLong("call-id"), help: "The call to extract (default: the first INVITE call, else the first call).")
    var callID: String?

    @Option(name: .customLong("as"), help: "caller or callee: whose hop to take when the call crosses a proxy (replay: the party to play).")
    var side: String = "caller"

    @Flag(help: "Keep the captured gaps between a party's messages as pauses (default: none).")
    var keepTiming = false

    @Option(name: .customLong("drop-header"), help: "Leave this header out of the flow (repeatable).")
    var dropHeaders: [String] = []

    @Option(help: "The flow's name (default: from-capture).")
    var name: String = "from-capture"

    func validate() throws {
        guard FlowExtractor.Side(rawValue: side) != nil else {
            throw ValidationError("--as must be caller or callee, not '\(side)'.")
        }
    }

    /// The most calls `--all` looks at: their messages are held until the shapes are known.
    static let allLimit = 2_000

    /// The capture's calls (those named, or the first `limit`), and how many packets it held.
    func collect(limit: Int = 64) throws -> (CallCollector, Int) {
        let collector = CallCollector(callIDs: callID.map { [$0] } ?? [], limit: limit)
        var analyzer = CaptureAnalyzer()
        analyzer.observer = { collector.observe($0) }
        let errors = CaptureFiles.analyze([capture], into: &analyzer) { _ in }
        if let error = errors.first {
            // A capture cut short (tcpdump killed) still holds the calls read before the cut.
            guard collector.sipMessages > 0 else {
                Stderr.print("extract: \(error)")
                throw ExitCode(ExitStatus.usageOrInput)
            }
            Stderr.print("extract: \(error); the calls read before it are used")
        }
        if collector.sipMessages == 0 {
            Stderr.print("extract: \(capture): no SIP message in the capture (\(analyzer.summary.packets) packets)")
            throw ExitCode(ExitStatus.checksFailed)
        }
        return (collector, analyzer.summary.packets)
    }

    /// The flow, checked by the flow loader; a problem is a one-line message and its exit code.
    func extract(writingTo output: String?) throws -> ExtractedFlow {
        let (collector, _) = try collect()
        guard let call = collector.chosen() else {
            if let callID {
                Stderr.print("extract: \(capture): no call with Call-ID '\(callID)'")
            } else {
                Stderr.print("extract: \(capture): no call starts with a request: the capture began mid-call")
            }
            throw ExitCode(ExitStatus.checksFailed)
        }
        return try extract(call, writingTo: output)
    }

    /// One call's flow, checked by the flow loader.
    func extract(_ call: CapturedCall, writingTo output: String?) throws -> ExtractedFlow {
        var extractor = FlowExtractor()
        extractor.name = name
        extractor.side = FlowExtractor.Side(rawValue: side) ?? .caller
        extractor.keepTiming = keepTiming
        extractor.dropHeaders = Set(dropHeaders)
        extractor.source = (capture as NSString).lastPathComponent
        let flow: ExtractedFlow
        do { flow = try extractor.extract(call) } catch {
            Stderr.print("extract: \(capture): \(error.description)")
            throw ExitCode(ExitStatus.checksFailed)
        }
        for note in flow.notes { Stderr.print("extract: \(note)") }
        let directory = output.map { ($0 as NSString).deletingLastPathComponent } ?? ""
        do { _ = try FlowLoader.parse(yaml: flow.yaml, file: output ?? "<extracted>", directory: directory) } catch {
            Stderr.print("extract: the flow made from \(capture) does not load (a bug in extract): \(error)")
            throw ExitCode(ExitStatus.runtime)
        }
        return flow
    }
}
