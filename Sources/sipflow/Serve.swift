import ArgumentParser
import SIPEngine
import SIPFlow
import SIPTransport
import NIOCore

/// `sipflow serve`: answers calls of a flow.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer calls of a flow, playing the party that receives the first request.",
        discussion: """
            Out-of-dialog OPTIONS are answered 200 (so a load balancer can health-check this process; see \
            --options-status); requests for an unknown dialog get 481, methods the flow does not use 405 with Allow. \
            Runs until Ctrl-C, --duration or --calls. Ctrl-C (or SIGTERM) stops accepting calls, ends live calls \
            properly (BYE, CANCEL, 500 for a request not answered yet) within --grace, then writes the reports and \
            flushes --trace; a second Ctrl-C ends at once (still writing them).

            Exit codes:
              0  every call passed and no --fail-if condition holds
              1  a call failed or a --fail-if condition holds
              2  invalid flow file or usage error
              3  runtime error (cannot bind)
            """
    )

    @Argument(help: "A built-in flow name or a flow file.")
    var flow: String

    @Option(help: "Address to listen on, ip:port.")
    var listen: String = "0.0.0.0:5060"

    @Option(name: .customLong("as"), help: "The party to play (default: the one that receives the first request).")
    var party: String?

    @Option(help: "Stop after this long, e.g. 60s (default: until Ctrl-C).")
    var duration: String?

    @Option(help: """
        Stop after answering this many calls (answering requests re-sent for them until the peer is quiet for T2 + T1).
        """)
    var calls: Int?

    @Option(help: "How to answer out-of-dialog OPTIONS: a status code (e.g. 200, 503) or 'none' to stay silent.")
    var optionsStatus: String = "200"

    @OptionGroup var options: EngineOptions

    func validate() throws {
        if let duration, DurationText.parse(duration) == nil {
            throw ValidationError("--duration '\(duration)' is not a duration such as 60s.")
        }
        if let calls, calls < 1 { throw ValidationError("--calls must be at least 1.") }
        if optionsStatus != "none" {
            guard let code = Int(optionsStatus), (100...699).contains(code) else {
                throw ValidationError("--options-status must be a status code from 100 to 699 or 'none'.")
            }
        }
    }

    func run() async throws {
        Log.bootstrap(options.diagnostics.logLevel)
        let flow = try FlowCommand.load(flow, data: options)
        let program = try FlowCommand.program(of: flow, party: party, role: .responder)
        let bind: SocketAddress
        do {
            bind = try AddressResolution.resolve(listen, defaultPort: 5060)
        } catch {
            Log.command("serve").error("--listen: \(error)")
            throw ExitCode(ExitStatus.usageOrInput)
        }
        var configuration = EngineConfiguration(
            role: .responder, flowName: flow.name, program: program, target: nil,
            requestURI: "sip:\(listen)", bindAddress: bind)
        configuration.optionsStatus = optionsStatus == "none" ? nil : Int(optionsStatus)
        try options.apply(to: &configuration)
        let code = await RunSession.run(
            configuration, options: options,
            parameters: RunParameters(flow: flow.name, role: .server, target: listen, schedule: nil, startedAt: .now),
            command: "serve", stopAfter: duration.flatMap(DurationText.parse), stopAfterCalls: calls)
        if code != 0 { throw ExitCode(code) }
    }
}

import Foundation
