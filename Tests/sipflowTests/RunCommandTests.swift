import ArgumentParser
import Foundation
import SIPEngine
import Testing
@testable import sipflow

/// `sipflow run`: what its options parse to, what `validate()` refuses and with which sentence, and its help.
/// The exit codes of the binary are tested in InteropTests (`RunServeCommandTests.runExitCodesForBadInput`).
@Suite struct RunCommandTests {
    static let target = ["--target", "127.0.0.1:5060"]

    /// `sipflow run ARGUMENTS`, parsed from the root as the executable does.
    static func parse(_ arguments: [String]) throws -> Run {
        try #require(try Sipflow.parseAsRoot(["run"] + arguments) as? Run)
    }

    /// The one sentence argument-parser prints for the error `arguments` cause.
    static func message(_ arguments: [String]) -> String? {
        do {
            _ = try Sipflow.parseAsRoot(["run"] + arguments)
            return nil
        } catch {
            return Sipflow.message(for: error)
        }
    }

    @Test func defaults() throws {
        let run = try Self.parse(["basic-call"] + Self.target)
        #expect(run.flow == "basic-call")
        #expect(run.target == "127.0.0.1:5060")
        #expect(run.rate == "10" && run.ramp == nil)
        #expect(run.calls == nil && run.duration == nil)
        #expect(run.party == nil && run.local == nil && run.requestURI == nil)
        let o = run.options
        #expect(o.conformance == .warn)
        #expect(o.threads == System.coreCount)
        #expect(o.t1 == "500ms" && o.t2 == "4s" && o.t4 == "5s" && o.timeout == nil)
        #expect(o.maxConcurrent == 100_000 && o.lose == 0)
        #expect(o.batchInterval == .microseconds(500))
        #expect(o.report == nil && o.csv == nil && o.failIf.isEmpty && !o.plain)
        #expect(o.data == nil && o.dataOrder == .sequential)
    }

    @Test func everyOptionParses() throws {
        let run = try Self.parse([
            "options", "--target", "sip:proxy.example.com", "--rate", "500", "--calls", "1000", "--duration", "30s",
            "--as", "client", "--local", "127.0.0.1:5070", "--request-uri", "sip:ping@proxy.example.com",
            "--conformance", "error", "--report", "run.json", "--csv", "run.csv",
            "--fail-if", "failed > 0.1%", "--fail-if", "p99(setup) > 200ms", "--threads", "2",
            "--t1", "100ms", "--t2", "1s", "--t4", "2s", "--timeout", "10s", "--max-concurrent", "50",
            "--lose", "5", "--batch", "0", "--data-order", "random", "--plain",
        ])
        #expect(run.flow == "options" && run.target == "sip:proxy.example.com")
        #expect(run.rate == "500" && run.calls == 1000 && run.duration == "30s")
        #expect(run.party == "client" && run.local == "127.0.0.1:5070")
        #expect(run.requestURI == "sip:ping@proxy.example.com")
        let o = run.options
        #expect(o.conformance == .error)
        #expect(o.report == "run.json" && o.csv == "run.csv")
        #expect(o.failIf == ["failed > 0.1%", "p99(setup) > 200ms"] && o.thresholds.count == 2)
        #expect(o.threads == 2 && o.maxConcurrent == 50 && o.lose == 5)
        #expect(o.batchInterval == .zero, "a bare 0 turns batching off")
        #expect(o.dataOrder == .random && o.plain)
    }

    /// The options shared with `serve` reach the engine's configuration.
    @Test func engineOptionsReachTheConfiguration() throws {
        let run = try Self.parse(["basic-call"] + Self.target + [
            "--conformance", "off", "--threads", "3", "--t1", "100ms", "--t2", "1s", "--t4", "2s", "--timeout", "10s",
            "--max-concurrent", "7", "--lose", "2.5", "--batch", "2ms",
        ])
        let program = try FlowCommand.load("basic-call", data: run.options).initiatorProgram
        var c = EngineConfiguration(role: .initiator, flowName: "basic-call", program: program, target: nil,
                                    requestURI: "sip:x", bindAddress: try .init(ipAddress: "127.0.0.1", port: 0))
        try run.options.apply(to: &c)
        #expect(c.conformance == .off && c.threads == 3 && c.maxConcurrent == 7 && c.lossPercent == 2.5)
        #expect(c.transactions.t1 == .milliseconds(100) && c.transactions.t2 == .seconds(1))
        #expect(c.transactions.t4 == .seconds(2))
        #expect(c.defaultTimeout == .seconds(10))
        #expect(c.batchInterval == .milliseconds(2))
    }

    @Test func aRampParsesToARateController() throws {
        let run = try Self.parse(["basic-call"] + Self.target + ["--rate", "100..2000", "--ramp", "60s",
                                                                  "--calls", "5000"])
        let spec = try RateSpec(run.rate, ramp: run.ramp)
        #expect(spec.controller(calls: run.calls, duration: nil)
            == RateController(from: 100, to: 2000, rampDuration: .seconds(60), maxCalls: 5000))
        #expect(try RateSpec("2.5", ramp: nil).controller(calls: nil, duration: .seconds(30))
            == RateController(rate: 2.5, duration: .seconds(30)))
    }

    @Test(arguments: [
        (["--rate", "0"], "--rate '0' is not a positive number or a ramp such as 100..2000."),
        (["--rate", "fast"], "--rate 'fast' is not a positive number or a ramp such as 100..2000."),
        (["--rate=-5"], "--rate '-5' is not a positive number or a ramp such as 100..2000."),
        (["--rate", "1..2..3", "--ramp", "1s"], "--rate '1..2..3' is not a positive number or a ramp such as 100..2000."),
        (["--rate", "100..2000"], "--rate 100..2000 is a ramp: say how long it takes with --ramp."),
        (["--rate", "100..2000", "--ramp", "soon"], "--ramp 'soon' is not a duration such as 60s."),
        (["--rate", "100..2000", "--ramp", "0s"], "--ramp '0s' is not a duration such as 60s."),
        (["--calls", "0"], "--calls must be at least 1."),
        (["--calls=-3"], "--calls must be at least 1."),
        (["--duration", "forever"], "--duration 'forever' is not a duration such as 30s."),
        (["--threads", "0"], "--threads must be from 1 to 256."),
        (["--threads", "257"], "--threads must be from 1 to 256."),
        (["--lose", "100"], "--lose must be a percentage from 0 to 99."),
        (["--max-concurrent", "0"], "--max-concurrent must be at least 1."),
        (["--t1", "half"], "--t1 'half' is not a duration such as 500ms."),
        (["--t2", "x"], "--t2 'x' is not a duration such as 4s."),
        (["--t4", "x"], "--t4 'x' is not a duration such as 5s."),
        (["--batch", "2s"], "--batch '2s' is not a duration from 0 to 100ms, such as 500us."),
        (["--timeout", "long"], "--timeout 'long' is not a duration such as 30s."),
    ])
    func invalidValuesAreRefusedWithTheirSentence(_ arguments: [String], _ expected: String) {
        #expect(Self.message(["basic-call"] + Self.target + arguments) == expected)
    }

    @Test func malformedArgumentsNameTheOption() throws {
        #expect(Self.message(["basic-call"])?.contains("Missing expected argument '--target <target>'") == true)
        #expect(Self.message(Self.target)?.contains("Missing expected argument '<flow>'") == true)
        func refusal(_ arguments: String...) -> String { Self.message(["basic-call"] + Self.target + arguments) ?? "" }
        #expect(refusal("--calls", "many").contains("'--calls <calls>'"))
        #expect(refusal("--conformance", "strict").contains("'--conformance <conformance>'"))
        #expect(refusal("--data-order", "shuffled").contains("'--data-order <data-order>'"))
        #expect(refusal("--fail-if", "lost > 3").contains("--fail-if"))
        // `--listen` and `--options-status` are serve's.
        #expect(refusal("--listen", "0.0.0.0:5060").hasPrefix("Unknown option '--listen'"))
        #expect(refusal("--options-status", "200").hasPrefix("Unknown option '--options-status'"))
    }

    /// Flows are loaded in `run()`: an unknown flow, or a party that does not start the flow, is a usage error (2).
    @Test func anUnknownFlowOrTheAnsweringPartyIsAUsageError() throws {
        let options = try Self.parse(["basic-call"] + Self.target).options
        #expect(throws: ExitCode(ExitStatus.usageOrInput)) { try FlowCommand.load("no-such-flow", data: options) }
        let flow = try FlowCommand.load("basic-call", data: options)
        for party in ["callee", "nobody"] {
            #expect(throws: ExitCode(ExitStatus.usageOrInput)) {
                try FlowCommand.program(of: flow, party: party, role: .initiator)
            }
        }
        #expect(try FlowCommand.program(of: flow, party: "caller", role: .initiator).isInitiator)
    }

    @Test func helpNamesTheKeyOptionsAndExitCodes() {
        let help = Sipflow.helpMessage(for: Run.self)
        for option in ["<flow>", "--target", "--rate", "--ramp", "--calls", "--duration", "--as", "--local",
                       "--request-uri", "--conformance", "--report", "--csv", "--fail-if", "--threads", "--t1",
                       "--timeout", "--max-concurrent", "--data", "--lose", "--batch", "--plain"] {
            #expect(help.contains(option), "run --help lacks \(option)")
        }
        #expect(!help.contains("--listen"), "--listen is serve's")
        #expect(help.contains("Exit codes:"))
        #expect(help.contains("2  invalid flow file or usage error"))
        #expect(help.contains("error (fails the call), warn (counts it), off"))
        #expect(Sipflow.helpMessage().contains("run"))
    }

    /// As a user types it: `--help` prints on standard output and exits 0; a refused value exits 2 with its sentence.
    @Test func theBinaryPrintsHelpAndUsageErrors() throws {
        let help = try CLIRunner.run(["run", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--target") && help.stdout.contains("--rate"))
        let bad = try CLIRunner.run(["run", "basic-call", "--target", "127.0.0.1:5060", "--calls", "0"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--calls must be at least 1."), "\(bad.stderr)")
    }
}
