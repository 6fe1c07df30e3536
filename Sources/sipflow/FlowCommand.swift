import ArgumentParser
import Logging
import SIPEngine
import SIPFlow

/// Loading flows for the commands: errors print as `file:line:column: error: …` and exit 2.
enum FlowCommand {
    static func load(_ nameOrPath: String, data: EngineOptions) throws -> Flow {
        var columns: [String]?
        if let path = data.data {
            do {
                columns = try CallData.load(path: path, order: data.dataOrder).columns
            } catch {
                Log.input.error("sipflow: \(error)")
                throw ExitCode(ExitStatus.usageOrInput)
            }
        }
        do {
            return try FlowLoader.load(nameOrPath: nameOrPath, dataColumns: columns)
        } catch {
            Log.input.error("\(error)")
            throw ExitCode(ExitStatus.usageOrInput)
        }
    }

    /// The program of `party`, or of the party that fits the role.
    static func program(of flow: Flow, party: String?, role: EngineConfiguration.Role) throws -> PartyProgram {
        do {
            if let party {
                let program = try flow.program(for: party)
                if role == .initiator, !program.isInitiator {
                    Log.command("run").error("'\(party)' does not send the first request of flow '\(flow.name)'; use 'sipflow serve --as \(party)'")
                    throw ExitCode(ExitStatus.usageOrInput)
                }
                if role == .responder, program.isInitiator {
                    Log.command("serve").error("'\(party)' sends the first request of flow '\(flow.name)'; use 'sipflow run --as \(party)'")
                    throw ExitCode(ExitStatus.usageOrInput)
                }
                return program
            }
            return role == .initiator ? flow.initiatorProgram : flow.responderProgram
        } catch let error as FlowError {
            Log.input.error("\(error)")
            throw ExitCode(ExitStatus.usageOrInput)
        }
    }
}

extension EngineOptions {
    func apply(to configuration: inout EngineConfiguration) throws {
        configuration.threads = threads
        configuration.maxConcurrent = maxConcurrent
        configuration.conformance = conformance
        configuration.lossPercent = lose
        configuration.batchInterval = batchInterval ?? EngineConfiguration.defaultBatchInterval
        let t1 = DurationText.parse(self.t1) ?? .milliseconds(500)
        configuration.transactions.t1 = t1
        configuration.transactions.t2 = DurationText.parse(t2) ?? .seconds(4)
        configuration.transactions.t4 = DurationText.parse(t4) ?? .seconds(5)
        configuration.defaultTimeout = timeout.flatMap(DurationText.parse)
        if let path = data {
            do {
                configuration.data = try CallData.load(path: path, order: dataOrder)
            } catch {
                Log.input.error("sipflow: \(error)")
                throw ExitCode(ExitStatus.usageOrInput)
            }
        }
    }
}

/// `sipflow flows`: lists the built-in flows.
struct Flows: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the built-in flows.")

    func run() throws {
        let names = BuiltinFlows.names.sorted()
        let width = names.map(\.count).max() ?? 0
        for name in names {
            let description = (try? FlowLoader.load(nameOrPath: name))?.description ?? ""
            print("\(name.padding(width))  \(description)")
        }
    }
}

/// `sipflow validate`: checks flow files without running them.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check flow files: errors print as file:line:column with a hint.",
        discussion: """
            Exit codes:
              0  every flow is valid
              2  a flow has an error (or a file could not be read)
            """
    )

    @Argument(help: "Flow files or built-in flow names.")
    var flows: [String]

    func validate() throws {
        if flows.isEmpty { throw ValidationError("Name at least one flow file.") }
    }

    func run() throws {
        var failed = false
        for name in flows {
            do {
                let flow = try FlowLoader.load(nameOrPath: name)
                print("\(name): ok (\(flow.steps.count) steps, parties \(flow.parties.joined(separator: " and ")))")
            } catch {
                print("\(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(ExitStatus.usageOrInput) }
    }
}
