import ArgumentParser
import Logging
import SIPEngine
import SIPRunControl
import SIPTransport

/// Options `run` and `serve` share.
struct EngineOptions: ParsableArguments {
    @Option(help: "Event-loop threads, each with its own socket and calls (default: all cores). The caller starts calls on the first while it keeps up, and on more when it falls behind.")
    var threads: Int = System.coreCount

    @Option(help: "RFC 3261 timer T1 (round-trip estimate); T2 and T4 follow RFC 3261 unless set.")
    var t1: String = "500ms"

    @Option(help: "RFC 3261 timer T2 (longest retransmit interval for non-INVITE requests and INVITE responses).")
    var t2: String = "4s"

    @Option(help: "RFC 3261 timer T4 (how long the network may hold a message; timers I and K).")
    var t4: String = "5s"

    @Option(help: "What a conformance error in a received message does: error (fails the call), warn (counts it), off.")
    var conformance: EngineConfiguration.ConformanceMode = .warn

    @Option(help: "Timeout of a step that sets none (default: 64·T1, plus the pauses the peer takes before the step).")
    var timeout: String?

    @Option(help: "Most calls in progress at once; more wait for a free slot (their lateness is measured).")
    var maxConcurrent: Int = 100_000

    @Option(help: "Per-call data: a CSV file whose header row names the columns, used as ${data.column}.")
    var data: String?

    @Option(help: "Order in which --data rows are used: sequential or random.")
    var dataOrder: CallData.Order = .sequential

    @Option(help: "Write the final report as JSON to this file (schema: docs/report.md).")
    var report: String?

    @Option(help: "Write one CSV row of statistics per second to this file.")
    var csv: String?

    @Option(name: .customLong("fail-if"), help: ArgumentHelp(
        "Fail the run (exit 1) when this holds at the end, e.g. 'failed > 0.1%' or 'p99(setup) > 200ms'. Repeatable.",
        valueName: "condition"))
    var failIf: [String] = []

    @Option(help: "Drop this percent of outgoing datagrams on purpose, to test retransmissions (like SIPp's -lost).")
    var lose: Double = 0

    @Option(help: ArgumentHelp(
        "How often a busy thread reads its socket, starts due calls and runs timers; what arrives in between waits at most this long and is handled in one batch. 0 handles each message as it arrives (more CPU).",
        valueName: "duration"))
    var batch: String = "500us"

    @Flag(help: "Print one plain line per second instead of the live view, even on a terminal.")
    var plain = false

    @Option(help: ArgumentHelp(
        "After Ctrl-C or SIGTERM, how long live calls get to end properly (BYE, CANCEL, or 500 for a request not yet answered) before the reports are written; longer with many live calls. A second signal ends at once.",
        valueName: "duration"))
    var grace: String = "5s"

    @OptionGroup var diagnostics: DiagnosticOptions

    func validate() throws {
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads must be from 1 to 256.") }
        guard (0..<100).contains(lose) else { throw ValidationError("--lose must be a percentage from 0 to 99.") }
        guard maxConcurrent >= 1 else { throw ValidationError("--max-concurrent must be at least 1.") }
        guard DurationText.parse(t1) != nil else { throw ValidationError("--t1 '\(t1)' is not a duration such as 500ms.") }
        guard DurationText.parse(t2) != nil else { throw ValidationError("--t2 '\(t2)' is not a duration such as 4s.") }
        guard DurationText.parse(t4) != nil else { throw ValidationError("--t4 '\(t4)' is not a duration such as 5s.") }
        guard let interval = batchInterval, interval <= .milliseconds(100) else {
            throw ValidationError("--batch '\(batch)' is not a duration from 0 to 100ms, such as 500us.")
        }
        if DurationText.parse(grace) == nil { throw ValidationError("--grace '\(grace)' is not a duration such as 5s.") }
        if let timeout, DurationText.parse(timeout) == nil {
            throw ValidationError("--timeout '\(timeout)' is not a duration such as 30s.")
        }
        for condition in failIf {
            do { _ = try Threshold(parsing: condition) } catch { throw ValidationError("--fail-if \(error)") }
        }
    }

    /// `--batch` as a duration; a bare 0 turns batching off.
    var batchInterval: Duration? { batch == "0" ? .zero : DurationText.parse(batch) }

    var thresholds: [Threshold] { failIf.compactMap { try? Threshold(parsing: $0) } }
}

extension EngineConfiguration.ConformanceMode: ExpressibleByArgument {}
extension CallData.Order: ExpressibleByArgument {}

enum System {
    static var coreCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--trace`, `--pcap` and `--log-level`, which `run`, `serve` and `ping` share.
struct DiagnosticOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Write every SIP message sent and received to this file as text ('-': standard error), each with its time, call, addresses and the rules it broke.",
        valueName: "file"))
    var trace: String?

    @Option(help: ArgumentHelp(
        "Record every SIP message sent and received to this pcap file, as the IPv4 or IPv6 UDP packet that carried it (Wireshark, tshark and sngrep read it).",
        valueName: "file"))
    var pcap: String?

    @Option(help: ArgumentHelp(
        "The --pcap file's format: pcap, or pcapng with a comment on each packet naming its call and the rules it broke (Wireshark shows it). Default: pcapng for a name ending in .pcapng, pcap otherwise.",
        valueName: "format"))
    var pcapFormat: PcapTap.Format?

    @Option(help: ArgumentHelp(
        "Start a new --pcap file when one would grow past this size (bytes, or with kB, MB, GB, KiB, MiB, GiB): FILE, then FILE.1, FILE.2 before the extension.",
        valueName: "size"))
    var pcapMaxSize: ByteCount?

    @Option(help: ArgumentHelp("Keep only the last N --pcap files (a ring; needs --pcap-max-size).", valueName: "n"))
    var pcapMaxFiles: Int?

    @Option(help: "Diagnostics on standard error: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .notice

    func validate() throws {
        if pcapMaxSize != nil || pcapMaxFiles != nil || pcapFormat != nil, pcap == nil {
            throw ValidationError("--pcap-format, --pcap-max-size and --pcap-max-files need --pcap FILE.")
        }
        if let n = pcapMaxFiles {
            if pcapMaxSize == nil { throw ValidationError("--pcap-max-files needs --pcap-max-size: files are counted once one fills.") }
            if n < 1 { throw ValidationError("--pcap-max-files must be at least 1.") }
        }
        if let size = pcapMaxSize, size.bytes < 1_000 {
            throw ValidationError("--pcap-max-size must be at least 1kB (a file holds its header and at least one packet).")
        }
    }

    var pcapRotation: PcapTap.Rotation { .init(maxSize: pcapMaxSize.map { Int64($0.bytes) }, maxFiles: pcapMaxFiles) }
}

extension PcapTap.Format: ExpressibleByArgument {}

/// A size given on the command line: `1000000`, `100MB`, `1.5GB`, `64KiB` (kB, MB, GB are powers of 1,000; KiB,
/// MiB, GiB of 1,024).
struct ByteCount: ExpressibleByArgument, Equatable {
    let bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let units: [(String, Double)] = [("KiB", 1_024), ("MiB", 1_048_576), ("GiB", 1_073_741_824),
                                         ("kB", 1e3), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("B", 1)]
        var number = Substring(argument.trimmingCharacters(in: .whitespaces))
        var scale = 1.0
        if let (unit, factor) = units.first(where: { number.hasSuffix($0.0) }) {
            number = number.dropLast(unit.count)
            scale = factor
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0,
              value * scale < Double(Int64.max) else { return nil }
        bytes = Int((value * scale).rounded())
    }
}

/// The taps `--trace` and `--pcap` ask for, open.
struct DiagnosticTaps {
    var trace: TraceTap?
    var pcap: PcapTap?

    /// Opens the files; a file that cannot be made is a one-line error naming it.
    init(_ options: DiagnosticOptions) throws {
        if let path = options.trace { trace = try TraceTap(path: path) }
        if let path = options.pcap {
            do { pcap = try PcapTap(path: path, format: options.pcapFormat, rotation: options.pcapRotation) } catch {
                trace?.close()
                throw error
            }
        }
    }

    /// Each tap open, to flush on every way out.
    var all: [any SIPTap] { [trace as (any SIPTap)?, pcap].compactMap { $0 } }

    /// What the engine or the prober records to: the one tap, or both.
    var combined: (any SIPTap)? {
        let all = self.all
        return all.count > 1 ? SIPTapFanOut(all) : all.first
    }

    func close() {
        trace?.close()
        pcap?.close()
    }
}
