import ArgumentParser
import Logging
import SIPRunControl
import UnixSignals
import Foundation
import NIOPosix
import SIPCore
import SIPEngine
import SIPMonitor

/// `sipflow ping`: a SIP health check as a load balancer's monitor does it; Nagios exit codes.
struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Health-check SIP servers with OPTIONS or REGISTER, as a load balancer's monitor does.",
        discussion: """
            Sends one probe per target (a unique branch and Call-ID each, on its own connected UDP socket), \
            retransmitted on RFC 3261 Timer E (500 ms doubling to 4 s) inside --timeout. An ICMP port-unreachable \
            ends a probe at once. Every answer is checked against the response-versus-request conformance rules \
            ('sipflow rules --scope exchange'); findings are shown.

            Exit codes follow the Nagios / Icinga plugin conventions, unlike the other subcommands:
              0  OK        every target gave an accepted answer in time
              1  WARNING   an accepted answer, but slower than --warn or breaking a conformance rule (error)
              2  CRITICAL  timeout, a code not in --accept, port unreachable, a failed --expect-header, slower than --crit
              3  UNKNOWN   bad arguments, or a target name that does not resolve
            With several targets the worst counts (CRITICAL > UNKNOWN > WARNING > OK).
            With --watch: 0 when every target ends UP, 2 when any ends DOWN, 3 when one was never decided.

            Targets are SIP URIs (sip:host[:port][;transport=udp]); a name without a port is looked up as SRV \
            _sip._udp.NAME first (RFC 3263), then A/AAAA on port 5060. Only UDP is implemented yet.
            """
    )

    @Argument(help: "SIP URIs to check, e.g. sip:10.0.0.5:5060 or sip:proxy.example.com.")
    var targets: [String] = []

    @Option(name: .customLong("targets"), help: ArgumentHelp("Read more targets from FILE, one a line ('#' comments).", valueName: "FILE"))
    var targetsFile: String?

    @Option(help: "Request method: OPTIONS or REGISTER (a REGISTER without Contact: a binding query).")
    var method: ProbeMethod = .options

    @Option(help: "Transport for every target; only udp is implemented (tcp and tls: UNKNOWN, exit 3).")
    var transport: ProbeTransport?

    @Option(help: "How long to wait for a final response, e.g. 5s or 800ms (at most 32s: Timer F).")
    var timeout: String = "5s"

    @Option(help: "Accepted final response codes and classes, e.g. 200,401,2xx.")
    var accept: String = "200"

    @Option(help: "WARNING when the answer takes longer than this, e.g. 200ms.")
    var warn: String?

    @Option(help: "CRITICAL when the answer takes longer than this.")
    var crit: String?

    @Option(name: .customLong("expect-header"), help: ArgumentHelp(
        "Check a header of the answer: Name (present), !Name (absent), Name=value, Name~text (contains). Repeatable.",
        valueName: "CHECK"))
    var expectHeaders: [String] = []

    @Option(name: .customLong("header"), help: ArgumentHelp("Add or replace a request header, 'Name: value'. Repeatable.", valueName: "HEADER"))
    var headers: [String] = []

    @Option(help: "From header of the probes (name-addr); a tag is added.")
    var from: String?

    @Option(help: "To header of the probes (name-addr).")
    var to: String?

    @Flag(name: .customLong("no-srv"), help: "Do not look up DNS SRV records for names without a port.")
    var noSRV = false

    @Option(help: "Output format: text, nagios or json (with --watch: text or json lines).")
    var format: PingFormat = .text

    @Flag(help: "Keep probing every target at --interval and print UP/DOWN transitions until interrupted.")
    var watch = false

    @Option(help: "With --watch: time between the starts of two probes of a target.")
    var interval: String = "5s"

    @Option(name: .customLong("down-after"), help: "With --watch: DOWN after this many consecutive failed probes.")
    var downAfter: Int = 3

    @Option(name: .customLong("up-after"), help: "With --watch: UP after this many consecutive successful probes.")
    var upAfter: Int = 2

    @Option(help: "With --watch: stop after this many probes of each target.")
    var count: Int?

    @Option(name: .customLong("summary-every"), help: "With --watch: print the running summary this often (0 for never).")
    var summaryEvery: String = "60s"

    @Flag(help: "With --watch: print every probe, not only transitions and summaries.")
    var verbose = false

    @Option(name: .customLong("metrics-listen"), help: ArgumentHelp(
        "With --watch: serve Prometheus metrics at http://[HOST]:PORT/metrics, e.g. :9100.", valueName: "[HOST]:PORT"))
    var metricsListen: String?

    @OptionGroup var diagnostics: DiagnosticOptions

    func validate() throws {
        do { _ = try configuration() } catch let e as PingArgumentError { throw ValidationError(e.message) }
    }

    /// Everything ping needs, from the options; throws one sentence for the first bad one.
    func configuration() throws -> PingConfiguration {
        var all = targets
        if let targetsFile {
            guard let data = FileManager.default.contents(atPath: targetsFile) else {
                throw PingArgumentError("--targets \(targetsFile): cannot read the file")
            }
            all += TargetList.parse(String(decoding: data, as: UTF8.self))
        }
        guard !all.isEmpty else { throw PingArgumentError("name at least one target, e.g. sip:127.0.0.1:5060, or --targets FILE") }
        var parsed: [ProbeTarget] = []
        for t in all {
            var target = try ProbeTarget(parsing: t)
            if let transport { target = target.with(transport: transport) }
            guard target.transport == .udp else {
                throw PingArgumentError("\(target.uri): only UDP probes are implemented yet, not \(target.transport.rawValue.uppercased())")
            }
            parsed.append(target)
        }
        let timeout = try Self.duration(self.timeout, option: "--timeout")
        guard timeout > .zero else { throw PingArgumentError("--timeout must be more than 0") }
        guard timeout <= TimerE.defaultT1 * 64 else {
            throw PingArgumentError("--timeout \(self.timeout) is longer than Timer F (64·T1 = 32s), which ends a probe first")
        }
        let policy = ProbePolicy(
            accept: try AcceptedCodes(parsing: accept),
            warn: try warn.map { v throws(PingArgumentError) in try Self.duration(v, option: "--warn") },
            critical: try crit.map { v throws(PingArgumentError) in try Self.duration(v, option: "--crit") },
            expectations: try expectHeaders.map { v throws(PingArgumentError) in try HeaderExpectation(parsing: v) },
            timeout: timeout)
        var extra: [(String, String)] = []
        for h in headers {
            let name = h.firstIndex(of: ":").map { h[..<$0].trimmingCharacters(in: .whitespaces) } ?? ""
            guard let colon = h.firstIndex(of: ":"), !name.isEmpty, name.utf8.allSatisfy(ASCII.isToken) else {
                throw PingArgumentError("--header '\(h)' is not 'Name: value'")
            }
            extra.append((name, h[h.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let template = ProbeRequestTemplate(method: method.sipMethod, from: from, to: to, headers: extra)
        // The request must build: a bad From/To/header shows here, not at the first probe.
        do {
            _ = try template.request(for: parsed[0], localHost: "127.0.0.1", localPort: 5060, identity: .random())
        } catch {
            throw PingArgumentError("the probe request does not parse with these --from/--to/--header values: \(error)")
        }
        var watchSettings: PingConfiguration.Watch?
        if watch {
            let interval = try Self.duration(self.interval, option: "--interval")
            guard interval >= .milliseconds(10) else { throw PingArgumentError("--interval must be at least 10ms") }
            guard downAfter >= 1, upAfter >= 1 else { throw PingArgumentError("--down-after and --up-after must be at least 1") }
            if let count, count < 1 { throw PingArgumentError("--count must be at least 1") }
            guard format != .nagios else { throw PingArgumentError("--format nagios is for single checks; use text or json with --watch") }
            let every = try Self.duration(summaryEvery, option: "--summary-every")
            watchSettings = .init(interval: interval, downAfter: downAfter, upAfter: upAfter, count: count,
                                  summaryEvery: every == .zero ? nil : every,
                                  metrics: try metricsListen.map { v throws(PingArgumentError) in try MetricsServer.parseListen(v) })
        } else if metricsListen != nil || count != nil {
            throw PingArgumentError("--metrics-listen and --count need --watch")
        }
        return PingConfiguration(targets: parsed, template: template, policy: policy, resolver: TargetResolver(useSRV: !noSRV),
                                 watch: watchSettings)
    }

    func run() async throws {
        Log.bootstrap(diagnostics.logLevel)
        let config: PingConfiguration
        do { config = try configuration() } catch let e as PingArgumentError { throw ValidationError(e.message) }
        let taps: DiagnosticTaps
        do { taps = try DiagnosticTaps(diagnostics) } catch { throw PingArgumentError("\(error)") }
        defer { taps.close() }
        let prober = Prober(group: MultiThreadedEventLoopGroup.singleton, template: config.template, policy: config.policy,
                            resolver: config.resolver, tap: taps.combined)
        if let watch = config.watch {
            let status = try await PingWatch(config: config, watch: watch, prober: prober, format: format, verbose: verbose,
                                             taps: taps.all).run()
            if status != .ok { throw ExitCode(status.rawValue) }
            return
        }
        // Ctrl-C or SIGTERM before the answers: UNKNOWN (3), with the trace written.
        let interrupt = Task { [taps, format] in
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                taps.close()
                if format == .nagios { print("SIP UNKNOWN - interrupted before every probe was answered") }
                Log.command("ping").error("interrupted before every probe was answered")
                Foundation.exit(MonitorStatus.unknown.rawValue)
            }
        }
        defer { interrupt.cancel() }
        let results = await withTaskGroup(of: (Int, ProbeResult).self) { group in
            for (i, t) in config.targets.enumerated() { group.addTask { (i, await prober.probe(t)) } }
            var out: [(Int, ProbeResult)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let report = CheckReport(results: results, policy: config.policy)
        switch format {
        case .text: print(report.text(), terminator: "")
        case .nagios: print(report.nagios(), terminator: "")
        case .json: print(report.json())
        }
        if report.status != .ok { throw ExitCode(report.status.rawValue) }
    }
}

extension Ping {
    /// A duration option in the CLI's one grammar (`DurationText`: `500ms`, `5s`, `1.5s`, `2m`, `250us`).
    static func duration(_ text: String, option: String) throws(PingArgumentError) -> Duration {
        guard let d = DurationText.parse(text) else {
            throw PingArgumentError("\(option) '\(text)' is not a duration such as 5s, 500ms or 1.5s")
        }
        return d
    }
}

/// A validated `sipflow ping` invocation.
struct PingConfiguration {
    struct Watch {
        let interval: Duration
        let downAfter: Int
        let upAfter: Int
        let count: Int?
        let summaryEvery: Duration?
        let metrics: (host: String, port: Int)?
    }

    let targets: [ProbeTarget]
    let template: ProbeRequestTemplate
    let policy: ProbePolicy
    let resolver: TargetResolver
    let watch: Watch?
}

enum TargetList {
    /// Targets from a file: one a line; blank lines and `#` comments ignored.
    static func parse(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let t = content.trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : t
        }
    }
}

enum ProbeMethod: String, ExpressibleByArgument, CaseIterable {
    case options = "OPTIONS", register = "REGISTER"

    init?(argument: String) { self.init(rawValue: argument.uppercased()) }

    var sipMethod: SIPMethod { self == .options ? .options : .register }
}

enum PingFormat: String, ExpressibleByArgument, CaseIterable {
    case text, nagios, json
}

extension ProbeTransport: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
