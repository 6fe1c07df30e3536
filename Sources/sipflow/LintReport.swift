import Foundation
import SIPConformance
import SIPCore

/// What `sipflow lint` prints: text for people, JSON (schema version 1) for programs.
struct LintReport: Encodable {
    struct Input: Encodable {
        let source: String
        let message: MessageSummary?
        let findings: [FindingOutput]
        let errors: Int
        let warnings: Int
        let info: Int

        init(source: String, result: Linter.Result, minimum: Severity) {
            self.source = source
            self.message = result.message.map(MessageSummary.init)
            self.findings = result.findings.filter { $0.severity >= minimum }.map(FindingOutput.init)
            self.errors = result.count(.error)
            self.warnings = result.count(.warning)
            self.info = result.count(.info)
        }
    }

    struct MessageSummary: Encodable {
        let type: String
        let method: String?
        let requestURI: String?
        let statusCode: Int?
        let callID: String?

        init(_ m: SIPMessage) {
            type = m.isRequest ? "request" : "response"
            method = m.method?.rawValue ?? m.cseq?.method.rawValue
            requestURI = m.requestURI?.string
            statusCode = m.statusCode
            callID = m.callID?.string
        }

        var text: String {
            if let statusCode { return "\(statusCode) response to \(method ?? "?")" }
            return "\(method ?? "?") \(requestURI ?? "")"
        }
    }

    struct FindingOutput: Encodable {
        let rule: String
        let severity: Severity
        let reference: String
        let header: String?
        let line: Int?
        let message: String

        init(_ f: Finding) {
            rule = f.rule.id
            severity = f.severity
            reference = f.rule.reference
            header = f.header
            line = f.line
            message = f.message
        }
    }

    let schemaVersion = 1
    let inputs: [Input]
    let errors: Int
    let warnings: Int
    let info: Int

    init(inputs: [Input]) {
        self.inputs = inputs
        errors = inputs.reduce(0) { $0 + $1.errors }
        warnings = inputs.reduce(0) { $0 + $1.warnings }
        info = inputs.reduce(0) { $0 + $1.info }
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    func text() -> String {
        var out = ""
        for input in inputs {
            out += "\(input.source): \(input.message?.text ?? "not a SIP message")\n"
            let idWidth = input.findings.map(\.rule.count).max() ?? 0
            for f in input.findings {
                let place = f.line.map { "line \($0)" } ?? ""
                let what = f.header.map { "\(place.isEmpty ? "" : place + ", ")\($0)" } ?? place
                out += "  \(f.severity.rawValue.padding(7)) \(f.rule.padding(idWidth))  \(f.reference.padding(16)) "
                out += what.isEmpty ? "\(f.message)\n" : "\(what): \(f.message)\n"
            }
        }
        out += "\(plural(errors, "error")), \(plural(warnings, "warning")), \(plural(info, "info finding"))"
        out += " in \(plural(inputs.count, "message"))\n"
        return out
    }

    private func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word)" : "\(n) \(word)s" }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
