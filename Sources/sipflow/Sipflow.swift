import ArgumentParser
import Foundation

/// The `sipflow` root command.
struct Sipflow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sipflow",
        abstract: "SIP load generation and RFC 3261 conformance testing.",
        discussion: """
            Exit codes (all subcommands): 0 success; 1 the input or the run failed its checks (for example a \
            conformance error); 2 usage error or unreadable input; 3 runtime error. Each subcommand's help says \
            what 1 means for it. 'sipflow ping' is the exception: it follows the Nagios plugin conventions \
            (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, and 3 for bad arguments); see 'sipflow ping --help'.
            """,
        version: SipflowVersion.current,
        subcommands: [Run.self, Serve.self, Flows.self, Validate.self, Lint.self, Rules.self, Ping.self, Analyze.self, Extract.self, Replay.self]
    )
}

enum SipflowVersion {
    static let current = "0.1.0"
}

/// Exit codes shared by all subcommands; documented in `sipflow --help` and the README.
enum ExitStatus {
    static let success: Int32 = 0
    static let checksFailed: Int32 = 1
    static let usageOrInput: Int32 = 2
    static let runtime: Int32 = 3
}

@main
enum Main {
    static func main() async {
        do {
            var command = try Sipflow.parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            finish(with: error)
        }
    }

    /// Prints what the error says and exits; argument-parser's usage failures exit 2, as documented, except for
    /// `ping`, whose argument errors are Nagios UNKNOWN (3).
    static func finish(with error: Error) -> Never {
        if PingExit.isPing(CommandLine.arguments) { PingExit.finish(with: error, arguments: CommandLine.arguments) }
        let code = Sipflow.exitCode(for: error)
        let text = Sipflow.fullMessage(for: error)
        if code == .success {
            if !text.isEmpty { print(text) }
            exit(0)
        }
        if !text.isEmpty { Stderr.print(text) }
        exit(code == .validationFailure ? ExitStatus.usageOrInput : code.rawValue)
    }
}

/// How `sipflow ping` ends on an error: an `ExitCode` it threw is its Nagios status; anything else (a bad
/// option, a failed validation, a runtime error before probing) is UNKNOWN, 3, with a `SIP UNKNOWN` status line
/// on standard output for `--format nagios`.
enum PingExit {
    static func isPing(_ arguments: [String]) -> Bool { arguments.dropFirst().first == "ping" }

    static func finish(with error: Error, arguments: [String]) -> Never {
        if let code = error as? ExitCode { exit(code.rawValue) }
        let code = Sipflow.exitCode(for: error)
        let text = Sipflow.fullMessage(for: error)
        if code == .success {
            if !text.isEmpty { print(text) }
            exit(0)
        }
        if !text.isEmpty { Stderr.print(text) }
        if wantsNagios(arguments) {
            let first = text.split(separator: "\n").first.map(String.init) ?? "bad arguments"
            print("SIP UNKNOWN - " + first.replacingOccurrences(of: "Error: ", with: "").replacingOccurrences(of: "|", with: "/"))
        }
        exit(3)
    }

    static func wantsNagios(_ arguments: [String]) -> Bool {
        arguments.contains("--format=nagios") || zip(arguments, arguments.dropFirst()).contains { $0 == "--format" && $1 == "nagios" }
    }
}

enum Stderr {
    static func print(_ text: String) {
        var line = text
        if !line.hasSuffix("\n") { line += "\n" }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
