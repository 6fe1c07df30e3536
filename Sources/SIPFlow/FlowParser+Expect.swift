import Foundation
import Yams

extension FlowParser {
    /// The receiver's keys: `optional`, `timeout`, `assert`, `capture`, `on`.
    mutating func parseExpectationKeys(into step: inout MessageStep, entries: [NodeReader.Entry]) throws(FlowError) {
        let value = { (key: String) in entries.first { $0.key == key } }
        if let entry = value("optional") { step.optional = try reader.bool(entry.value, what: "optional") }
        if let entry = value("timeout") { step.timeout = try duration(entry.value, what: "timeout") }
        if let entry = value("assert") {
            for item in try reader.sequence(entry.value, what: "assert") {
                step.assertions.append(try parseAssertion(item, user: step.to))
            }
        }
        if let entry = value("on") {
            guard !step.message.isRequest else {
                throw reader.error("'on' applies to response steps", at: entry.keyNode, hint: "list statuses to react to on the step that expects the response")
            }
            for reaction in try reader.mapping(entry.value, what: "on") {
                guard let pattern = try statusPattern(reaction.key, node: reaction.keyNode) else {
                    throw reader.error("'\(reaction.key)' is not a status", at: reaction.keyNode, hint: "e.g. 'on: {401: auth, 407: auth}'")
                }
                let name = try reader.string(reaction.value, what: "a reaction")
                guard let action = Reaction(rawValue: name) else {
                    throw reader.error("unknown reaction '\(name)'", at: reaction.value,
                                       hint: Suggestion.hint(for: name, in: Reaction.allCases.map(\.rawValue)) ?? "reactions are auth and fail")
                }
                step.reactions[pattern] = action
            }
        }
        // Captures last: a step's own assertions cannot read what it captures.
        if let entry = value("capture") {
            for item in try reader.sequence(entry.value, what: "capture") {
                step.captures.append(try parseCapture(item, party: step.to))
            }
        }
    }

    static let assertionKeys = ["header", "body", "equals", "contains", "regex", "present"]
    static let matcherKeys = ["equals", "contains", "regex", "present"]

    /// `- header: Server, contains: kamailio`, `- body: {regex: "m=audio \\d+"}`, `- header: X, present: false`.
    mutating func parseAssertion(_ node: Node, user: String) throws(FlowError) -> Assertion {
        let entries = try reader.mapping(node, what: "an assertion")
        try reader.checkKeys(entries, allowed: Self.assertionKeys, in: "an assertion")
        let subjects = entries.filter { $0.key == "header" || $0.key == "body" }
        guard subjects.count == 1 else {
            throw reader.error("an assertion checks one 'header' or the 'body'", at: node, hint: "e.g. '- header: Server, contains: kamailio'")
        }
        var matchers = entries.filter { Self.matcherKeys.contains($0.key) }
        let subject: Assertion.Subject
        if subjects[0].key == "header" {
            subject = .header(try reader.string(subjects[0].value, what: "header"))
            try checkHeaderName(subject.headerName ?? "", node: subjects[0].value)
        } else {
            subject = .body
            if case .mapping = subjects[0].value {
                let inner = try reader.mapping(subjects[0].value, what: "a body check")
                try reader.checkKeys(inner, allowed: Self.matcherKeys, in: "a body check")
                matchers += inner
            }
        }
        guard matchers.count == 1 else {
            throw reader.error("an assertion has one check, not \(matchers.count)", at: node, hint: "use one of equals, contains, regex, present")
        }
        let matcher = matchers[0]
        let check: Assertion.Check
        switch matcher.key {
        case "present":
            check = .present(try reader.bool(matcher.value, what: "present"))
        case "regex":
            check = .matches(try pattern(matcher.value))
        default:
            let text = try reader.string(matcher.value, what: matcher.key)
            let value = try template(text, node: matcher.value, user: user)
            check = matcher.key == "equals" ? .equals(value) : .contains(value)
        }
        if case .present = check, subject == .body {
            throw reader.error("'present' applies to headers", at: matcher.keyNode, hint: "check the body with equals, contains or regex")
        }
        return Assertion(subject: subject, check: check, location: reader.location(node))
    }

    /// `- var: session, from: header Session-Expires`, `- var: port, from: body, regex: "m=audio (\\d+)"`.
    mutating func parseCapture(_ node: Node, party: String) throws(FlowError) -> Capture {
        let entries = try reader.mapping(node, what: "a capture")
        try reader.checkKeys(entries, allowed: ["var", "from", "regex"], in: "a capture")
        guard let nameEntry = entries.first(where: { $0.key == "var" }) else {
            throw reader.error("capture has no 'var'", at: node, hint: "name the variable, e.g. '- var: session, from: header Session-Expires'")
        }
        guard let fromEntry = entries.first(where: { $0.key == "from" }) else {
            throw reader.error("capture has no 'from'", at: node, hint: "use 'from: body' or 'from: header NAME'")
        }
        let name = try reader.string(nameEntry.value, what: "var")
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), !name.first!.isNumber else {
            throw reader.error("bad variable name '\(name)'", at: nameEntry.value, hint: "use letters, digits and '_', e.g. remote_sdp_port")
        }
        if BuiltinVariable(rawValue: name) != nil || name == "random" || name == "data" {
            throw reader.error("'\(name)' is a builtin variable", at: nameEntry.value, hint: "choose another name")
        }
        if let earlier = captured[name] {
            throw reader.error("variable '\(name)' is captured twice", at: nameEntry.value, hint: "first captured at line \(earlier.location.line); choose another name")
        }
        let fromText = try reader.string(fromEntry.value, what: "from")
        let source: Assertion.Subject
        if fromText == "body" {
            source = .body
        } else if fromText.hasPrefix("header ") {
            let header = fromText.dropFirst(7).trimmingCharacters(in: .whitespaces)
            try checkHeaderName(header, node: fromEntry.value)
            source = .header(header)
        } else {
            throw reader.error("bad capture source '\(fromText)'", at: fromEntry.value, hint: "use 'from: body' or 'from: header NAME'")
        }
        let regex = try entries.first { $0.key == "regex" }.map { entry throws(FlowError) in try pattern(entry.value) }
        let slot = captureNames.count
        captureNames.append(name)
        let location = reader.location(nameEntry.value)
        captured[name] = (slot, party, location)
        return Capture(name: name, slot: slot, source: source, pattern: regex, location: location)
    }

    func pattern(_ node: Node) throws(FlowError) -> Pattern {
        let text = try reader.string(node, what: "regex")
        guard let pattern = Pattern(text) else {
            throw reader.error("bad regular expression '\(text)'", at: node, hint: "the syntax is ICU's, as NSRegularExpression reads it")
        }
        return pattern
    }
}

extension Assertion.Subject {
    var headerName: String? { if case .header(let name) = self { name } else { nil } }
}
