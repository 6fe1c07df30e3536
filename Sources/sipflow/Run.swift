import ArgumentParser
import SIPEngine
import SIPFlow
import SIPTransport
import NIOCore

/// `sipflow run`: places calls of a flow at a rate.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Place calls of a flow at a target rate, playing the party that sends the first request.",
        discussion: """
            FLOW is a built-in flow name ('sipflow flows' lists them) or a path to a flow file. The engine fills in \
            what RFC 3261 requires (Via, tags, Call-ID, CSeq, Contact, route set) and checks every message it \
            receives. Ctrl-C (or SIGTERM) stops starting calls, ends live calls with BYE or CANCEL, waits for them at \
            most --grace, then writes the reports and flushes --trace; a second Ctrl-C ends at once (still writing \
            them). A call whose peer misbehaves is still ended properly: every 2xx is ACKed, an established dialog \
            gets a BYE, an unanswered INVITE a CANCEL; what the peer broke is counted by rule ID.

            Exit codes:
              0  every call passed and no --fail-if condition holds
              1  a call failed or a --fail-if condition holds, or no call was placed
              2  invalid flow file or usage error
              3  runtime error (cannot bind, target unresolvable)
            """
    )

    @Argument(help: "A built-in flow name or a flow file.")
    var flow: String

    @Option(help: "Where to send calls: host[:port] or a SIP URI; a name without a port is looked up as SRV _sip._udp first, then A/AAAA on 5060 (RFC 3263).")
    var target: String

    @Option(help: "Calls started per second, or a ramp FROM..TO with --ramp.")
    var rate: String = "10"

    @Option(help: "How long a --rate FROM..TO ramp takes, e.g. 60s.")
    var ramp: String?

    @Option(help: "Stop after starting this many calls.")
    var calls: Int?

    @Option(help: "Stop starting calls after this long, e.g. 30s or 5m.")
    var duration: String?

    @Option(name: .customLong("as"), help: "The party to play (default: the one that sends the first request).")
    var party: String?

    @Option(help: "Local address to bind, ip[:port] (default: the address that reaches the target, any port).")
    var local: String?

    @Option(help: "Request-URI of the calls (default: sip:service@TARGET).")
    var requestURI: String?

    @OptionGroup var options: EngineOptions

    func validate() throws {
        _ = try RateSpec(rate, ramp: ramp)  // without --calls or --duration the run goes on until Ctrl-C
        if let calls, calls < 1 { throw ValidationError("--calls must be at least 1.") }
        if let duration, DurationText.parse(duration) == nil {
            throw ValidationError("--duration '\(duration)' is not a duration such as 30s.")
        }
    }

    func run() async throws {
        Log.bootstrap(options.diagnostics.logLevel)
        let logger = Log.command("run")
        let flow = try FlowCommand.load(flow, data: options)
        let program = try FlowCommand.program(of: flow, party: party, role: .initiator)
        let target: SocketAddress
        do {
            target = try await AddressResolution.resolveServer(self.target)  // SRV for a name without a port
        } catch {
            logger.error("\(error)")
            throw ExitCode(ExitStatus.runtime)
        }
        let spec = try RateSpec(rate, ramp: ramp)
        let schedule = spec.controller(calls: calls, duration: duration.flatMap(DurationText.parse))
        let bind: SocketAddress
        do {
            if let local {
                bind = try AddressResolution.resolve(local, defaultPort: 0)
            } else {
                bind = try SocketAddress(ipAddress: AddressResolution.localIP(toward: target) ?? "0.0.0.0", port: 0)
            }
        } catch {
            logger.error("--local: \(error)")
            throw ExitCode(ExitStatus.usageOrInput)
        }
        let hostPort = target.ipAddress.map { ip in ip.contains(":") ? "[\(ip)]:\(target.port ?? 5060)" : "\(ip):\(target.port ?? 5060)" } ?? self.target
        var configuration = EngineConfiguration(
            role: .initiator, flowName: flow.name, program: program, target: target,
            requestURI: requestURI ?? "sip:service@\(hostPort)", bindAddress: bind)
        configuration.rate = schedule
        try options.apply(to: &configuration)
        let code = await RunSession.run(
            configuration, options: options,
            parameters: RunParameters(flow: flow.name, role: .client, target: hostPort, schedule: schedule, startedAt: .now),
            command: "run")
        if code != 0 { throw ExitCode(code) }
    }
}

/// `--rate 500` or `--rate 100..2000 --ramp 60s`.
struct RateSpec {
    let from: Double
    let to: Double
    let ramp: Duration

    init(_ text: String, ramp: String?) throws {
        let parts = text.components(separatedBy: "..")
        guard parts.count <= 2, let a = Double(parts[0]), let b = Double(parts.last!), a > 0, b > 0, a.isFinite, b.isFinite
        else { throw ValidationError("--rate '\(text)' is not a positive number or a ramp such as 100..2000.") }
        from = a
        to = b
        if let ramp {
            guard let d = DurationText.parse(ramp), d > .zero else {
                throw ValidationError("--ramp '\(ramp)' is not a duration such as 60s.")
            }
            self.ramp = d
        } else {
            guard a == b else { throw ValidationError("--rate \(text) is a ramp: say how long it takes with --ramp.") }
            self.ramp = .zero
        }
    }

    func controller(calls: Int?, duration: Duration?) -> RateController {
        RateController(from: from, to: to, rampDuration: ramp, maxCalls: calls, duration: duration)
    }
}

import Foundation
