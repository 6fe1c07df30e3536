import ArgumentParser
import Testing
@testable import sipflow

/// `sipflow serve`: what its options parse to, what `validate()` refuses and with which sentence, and its help.
/// The options shared with `run` are tested in `RunCommandTests`; the binary's exit codes in InteropTests.
@Suite struct ServeCommandTests {
    static func parse(_ arguments: [String]) throws -> Serve {
        try #require(try Sipflow.parseAsRoot(["serve"] + arguments) as? Serve)
    }

    /// The one sentence argument-parser prints for the error `arguments` cause.
    static func message(_ arguments: [String]) -> String? {
        do {
            _ = try Sipflow.parseAsRoot(["serve"] + arguments)
            return nil
        } catch {
            return Sipflow.message(for: error)
        }
    }

    @Test func defaults() throws {
        let serve = try Self.parse(["basic-call"])
        #expect(serve.flow == "basic-call")
        #expect(serve.listen == "0.0.0.0:5060")
        #expect(serve.optionsStatus == "200")
        #expect(serve.calls == nil && serve.duration == nil && serve.party == nil)
        #expect(serve.options.conformance == .warn && serve.options.report == nil)
    }

    @Test func everyOptionParses() throws {
        let serve = try Self.parse([
            "reinvite", "--listen", "127.0.0.1:5070", "--as", "callee", "--duration", "60s", "--calls", "10",
            "--options-status", "none", "--conformance", "error", "--report", "serve.json", "--csv", "serve.csv",
            "--fail-if", "failed > 0", "--threads", "1", "--plain",
        ])
        #expect(serve.flow == "reinvite" && serve.listen == "127.0.0.1:5070" && serve.party == "callee")
        #expect(serve.duration == "60s" && serve.calls == 10 && serve.optionsStatus == "none")
        #expect(serve.options.conformance == .error)
        #expect(serve.options.report == "serve.json" && serve.options.csv == "serve.csv")
        #expect(serve.options.failIf == ["failed > 0"] && serve.options.threads == 1 && serve.options.plain)
        #expect(try Self.parse(["basic-call", "--options-status", "503"]).optionsStatus == "503")
    }

    @Test(arguments: [
        (["--options-status", "700"], "--options-status must be a status code from 100 to 699 or 'none'."),
        (["--options-status", "99"], "--options-status must be a status code from 100 to 699 or 'none'."),
        (["--options-status", "silent"], "--options-status must be a status code from 100 to 699 or 'none'."),
        (["--calls", "0"], "--calls must be at least 1."),
        (["--calls=-1"], "--calls must be at least 1."),
        (["--duration", "1 hour"], "--duration '1 hour' is not a duration such as 60s."),
        (["--threads", "0"], "--threads must be from 1 to 256."),
        (["--batch", "1s"], "--batch '1s' is not a duration from 0 to 100ms, such as 500us."),
    ])
    func invalidValuesAreRefusedWithTheirSentence(_ arguments: [String], _ expected: String) {
        #expect(Self.message(["basic-call"] + arguments) == expected)
    }

    @Test func malformedArgumentsNameTheOption() {
        #expect(Self.message([])?.contains("Missing expected argument '<flow>'") == true)
        #expect(Self.message(["basic-call", "--conformance", "loud"])?.contains("'--conformance <conformance>'") == true)
        // `--target`, `--rate` and `--ramp` are run's.
        #expect(Self.message(["basic-call", "--target", "127.0.0.1"])?.hasPrefix("Unknown option '--target'") == true)
        #expect(Self.message(["basic-call", "--rate", "10"])?.contains("Unknown option '--rate'") == true)
    }

    /// `serve --as` must name a party that receives the first request: the caller is a usage error (2).
    @Test func theCallingPartyIsAUsageError() throws {
        let options = try Self.parse(["basic-call"]).options
        let flow = try FlowCommand.load("basic-call", data: options)
        #expect(throws: ExitCode(ExitStatus.usageOrInput)) {
            try FlowCommand.program(of: flow, party: "caller", role: .responder)
        }
        #expect(try !FlowCommand.program(of: flow, party: "callee", role: .responder).isInitiator)
    }

    @Test func helpNamesTheKeyOptionsAndExitCodes() {
        let help = Sipflow.helpMessage(for: Serve.self)
        for option in ["<flow>", "--listen", "--as", "--duration", "--calls", "--options-status", "--conformance",
                       "--report", "--csv", "--fail-if", "--threads", "--batch"] {
            #expect(help.contains(option), "serve --help lacks \(option)")
        }
        #expect(!help.contains("--target") && !help.contains("--rate"), "those are run's")
        #expect(help.contains("Exit codes:"))
        #expect(help.contains("3  runtime error (cannot bind)"))
        #expect(help.contains("OPTIONS"))
    }
}
