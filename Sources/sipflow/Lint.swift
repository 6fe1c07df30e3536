import ArgumentParser
import Foundation
import SIPConformance
import SIPCore

/// `sipflow lint`: checks raw SIP messages against the rule catalogue.
struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check raw SIP messages against RFC 3261 rules.",
        discussion: """
            Each FILE holds one raw SIP message (as sent in one UDP datagram); '-' reads standard input. Each \
            finding names its rule ID, severity, RFC section, the line or header it is about, and what is wrong. \
            'sipflow rules' lists every rule.

            Exit codes:
              0  no finding of severity error
              1  at least one error finding (or a file that is not a SIP message at all)
              2  usage error, or an input that could not be read (missing file, unreadable input)
            """
    )

    @Argument(help: "Files holding one raw SIP message each; '-' for standard input.")
    var files: [String]

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(name: .customLong("lf"), help: "Accept bare LF line ends (hand-written files): turn each LF into CRLF first.")
    var acceptLF = false

    @Option(help: "Show findings of this severity and above: info, warning or error.")
    var minSeverity: Severity = .info

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name at least one FILE, or '-' for standard input.") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input ('-') can be read only once.") }
    }

    func run() throws {
        var reports: [LintReport.Input] = []
        var unreadable = false
        for path in files {
            guard var bytes = Self.read(path) else {
                Log.command("lint").error("\(path): cannot read the file")
                unreadable = true
                continue
            }
            if acceptLF { bytes = Linter.normalizingLineEnds(bytes) }
            let result = Linter().lint(bytes)
            reports.append(LintReport.Input(source: path, result: result, minimum: minSeverity))
        }
        let report = LintReport(inputs: reports)
        switch format {
        case .text: print(report.text(), terminator: "")
        case .json: print(report.json())
        }
        if unreadable { throw ExitCode(ExitStatus.usageOrInput) }
        if report.errors > 0 { throw ExitCode(ExitStatus.checksFailed) }
    }

    static func read(_ path: String) -> [UInt8]? {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        return Array(data)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension Severity: ExpressibleByArgument {}
