import SIPEngine
import SIPRunControl
import SIPTransport

/// `run` and `serve` end the same way: their run as services (`CallRun`: the engine, the reporters, the taps in
/// one ServiceGroup), with the options they share.
enum RunSession {
    static func run(_ configuration: EngineConfiguration, options: EngineOptions, parameters: RunParameters,
                    command: String, stopAfter: Duration? = nil, stopAfterCalls: Int? = nil) async -> Int32 {
        let logger = Log.command(command)
        var configuration = configuration
        let taps: DiagnosticTaps
        do {
            taps = try DiagnosticTaps(options.diagnostics)
        } catch {
            logger.error("\(error)")
            return ExitStatus.usageOrInput
        }
        configuration.tap = taps.combined
        let run = CallRun(
            configuration: configuration,
            reporter: RunReporter.Options(liveView: options.plain ? .plain : .detect(), csvPath: options.csv,
                                          reportPath: options.report, conditions: options.thresholds,
                                          toolVersion: SipflowVersion.current),
            parameters: parameters, stopAfter: stopAfter, stopAfterCalls: stopAfterCalls,
            grace: DurationText.parse(options.grace) ?? .seconds(5), taps: taps.all, logger: logger)
        let code = await run.run()
        taps.close()
        return code
    }
}
