import ArgumentParser
import Foundation
import SIPConformance

/// `sipflow rules`: the conformance rule catalogue.
struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the conformance rules: ID, severity, RFC section, description.",
        discussion: "Rule IDs are stable: scripts may match on them. Exit code 0; 2 on a usage error."
    )

    @Option(help: "Output format: text, json or markdown.")
    var format: RulesFormat = .text

    @Option(help: "Only rules of this scope: message (one message alone) or exchange (a response against its request).")
    var scope: RuleScope?

    func run() throws {
        let rules = RuleCatalogue.all.filter { scope == nil || $0.scope == scope }
        switch format {
        case .text:
            let w = rules.map(\.id.count).max() ?? 0
            for r in rules {
                print("\(r.id.padding(w))  \(r.severity.rawValue.padding(7)) \(r.reference.padding(18)) \(r.summary)")
            }
        case .markdown:
            print(RuleCatalogue.markdownTable(rules), terminator: "")
        case .json:
            struct Out: Encodable { let id, severity, reference, summary, scope: String }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
            let out = rules.map { Out(id: $0.id, severity: $0.severity.rawValue, reference: $0.reference,
                                      summary: $0.summary, scope: $0.scope.rawValue) }
            print(String(decoding: try encoder.encode(out), as: UTF8.self))
        }
    }
}

enum RulesFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown
}

extension RuleScope: ExpressibleByArgument {}
