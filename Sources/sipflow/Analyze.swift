import ArgumentParser
import Foundation
import SIPAnalysis
import SIPPcap
import Synchronization

/// `sipflow analyze`: the SIP in capture files — calls, ladders, timings, RFC 3261 findings and a summary.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse the SIP in pcap or pcapng captures: calls, ladders, timings, findings, a summary.",
        discussion: """
            Reads each FILE (pcap or pcapng, gzip-compressed too, from tshark, tcpdump, Wireshark or 'sipflow run \
            --pcap'): Ethernet, \
            802.1Q/QinQ, Linux cooked (SLL, SLL2), raw IP and BSD loopback links; IPv4 and IPv6, fragments \
            reassembled; UDP on any port and TCP streams, SIP recognised by content. Messages are grouped into calls \
            by Call-ID and into transactions by Via branch; every message is checked against the rule catalogue \
            ('sipflow rules'), each response against the request it answers. Calls are reported as they end, so \
            memory follows the calls in progress, not the size of the capture.

            --interface IF captures live instead (root or CAP_NET_RAW; 'any' for every interface) until Ctrl-C or \
            SIGTERM, then prints the summary; --filter takes a BPF expression (as tcpdump does) for files or live.

            --format json writes one document (schema: docs/analysis.schema.json) with every call and the summary.

            Exit codes:
              0  analysed; no finding of severity error
              1  analysed; at least one finding of severity error
              2  usage error, or a file that could not be read in full (missing, not a capture, an unsupported \
            link type, cut short); what could be read is still reported
            """
    )

    @Argument(help: "Capture files (pcap or pcapng, gzip-compressed or not).")
    var files: [String] = []

    @Option(name: .customLong("interface"), help: "Capture live on this interface (lo, eth0, any) until Ctrl-C.")
    var interface: String?

    @Option(help: "Only packets matching this BPF expression (pcap-filter(7)), e.g. 'udp port 5060'.")
    var filter: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(name: .customLong("call-id"), help: "Only the call with this Call-ID (repeatable).")
    var callIDs: [String] = []

    @Flag(help: "Show each call as a ladder: its parties, its messages as arrows, their times and findings.")
    var ladder = false

    @Flag(help: "No colour, even on a terminal.")
    var plain = false

    func validate() throws {
        if files.isEmpty, interface == nil { throw ValidationError("Name at least one capture FILE, or --interface.") }
        if !files.isEmpty, interface != nil { throw ValidationError("Read capture FILEs or capture live (--interface), not both.") }
    }

    func run() throws {
        var options = AnalysisOptions()
        options.callIDs = Set(callIDs)
        options.ladders = ladder
        var analyzer = CaptureAnalyzer(options: options)
        let out = BufferedOutput()
        defer { out.flush() }
        let live: PcapLiveCapture?
        if let interface {
            do { live = try PcapLiveCapture(interface: interface, filter: filter) } catch {
                Stderr.print("analyze: \(error.description)")
                throw ExitCode(ExitStatus.usageOrInput)
            }
            Stderr.print("analyze: capturing on \(interface)\(filter.map { " (\($0))" } ?? ""); Ctrl-C for the summary")
        } else {
            live = nil
        }
        // Ctrl-C and SIGTERM end the reading, not the process: the summary of what was read is still printed.
        let interrupted = Interruption()
        let stops = Self.stopOnSignals { interrupted.set(); live?.stop() }
        defer { stops.forEach { $0.cancel() } }
        let sources = interface.map { ["interface \($0)"] } ?? files
        let read = { (analyzer: inout CaptureAnalyzer, ended: (CallRecord) -> Void) -> [String] in
            if let live { return CaptureFiles.analyze(live: live, into: &analyzer, ended: ended).map { [$0] } ?? [] }
            return CaptureFiles.analyze(files, filter: filter, into: &analyzer, stop: { interrupted.isSet }, ended: ended)
        }
        let errors: [String]
        switch format {
        case .json:
            var writer = AnalysisJSONWriter(files: sources) { out.write($0) }
            errors = read(&analyzer) { writer.add($0) }
            writer.finish(analyzer.summary, inputErrors: errors)
        case .text:
            let colour = !plain && isatty(STDOUT_FILENO) == 1
            errors = read(&analyzer) { call in
                if ladder { out.write(AnalysisText.ladder(call, colour: colour) + "\n") }
            }
            out.write(AnalysisText.summary(analyzer.summary, files: sources))
        }
        if let live {
            let s = live.statistics
            if s.dropped > 0 { Stderr.print("analyze: the kernel dropped \(s.dropped) of \(s.received) packets (capture buffer full)") }
        }
        out.flush()
        if interrupted.isSet, live == nil { Stderr.print("analyze: interrupted; the summary covers the packets read until then") }
        for error in errors { Stderr.print("analyze: \(error)") }
        if !errors.isEmpty { throw ExitCode(ExitStatus.usageOrInput) }
        if (analyzer.summary.findingsBySeverity["error"] ?? 0) > 0 { throw ExitCode(ExitStatus.checksFailed) }
    }

    /// Ctrl-C and SIGTERM call `stop` instead of ending the process.
    static func stopOnSignals(_ stop: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: stop)
            source.resume()
            return source
        }
    }
}

/// A signal seen, read by the reading loop once a packet.
final class Interruption: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// Standard output in 64 KiB writes, not one per call.
final class BufferedOutput {
    private var buffer: [UInt8] = []

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 65_536 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { FileHandle.standardOutput.write(Data($0)) }
        buffer.removeAll(keepingCapacity: true)
    }
}
