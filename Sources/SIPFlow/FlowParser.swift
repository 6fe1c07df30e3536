import SIPCore
import Yams

/// Turns a composed YAML tree into a `Flow`, checking the ladder as it goes. One pass, in file order, so a
/// variable is defined only if an earlier step captured it.
struct FlowParser {
    let reader: NodeReader
    let files: BodyFiles
    /// CSV columns, when the caller knows them; `${data.x}` is checked against them.
    let knownDataColumns: Set<String>?

    var parties: [String] = []
    var captured: [String: (slot: Int, party: String, location: SourceLocation)] = [:]
    var captureNames: [String] = []
    var dataColumns: Set<String> = []
    var ladder = LadderTracker()
    var steps: [Step] = []
    /// Pause steps without `party:`, to assign once the next message is known.
    var pausesToAssign: [Int] = []

    static let topLevelKeys = ["name", "description", "parties", "steps"]
    static let stepKeys = [
        "pause", "party", "headers", "body", "content-type", "raw", "optional", "timeout", "assert", "capture", "on",
    ]

    mutating func parse(_ root: Node, defaultName: String) throws(FlowError) -> Flow {
        let entries = try reader.mapping(root, what: "a flow file")
        try reader.checkKeys(entries, allowed: Self.topLevelKeys, in: "the flow")
        let value = { (key: String) in entries.first { $0.key == key } }

        var name = defaultName
        if let entry = value("name") { name = try reader.string(entry.value, what: "name") }
        let description = try value("description").map { entry throws(FlowError) in
            try reader.string(entry.value, what: "description")
        }

        guard let partiesEntry = value("parties") else {
            throw FlowError("flow has no 'parties'", at: reader.location(root), hint: "add 'parties: [caller, callee]'")
        }
        try parseParties(partiesEntry.value)

        guard let stepsEntry = value("steps") else {
            throw FlowError("flow has no 'steps'", at: reader.location(root), hint: "add 'steps:' with the ladder of messages")
        }
        let stepNodes = reader.isNull(stepsEntry.value) ? [] : try reader.sequence(stepsEntry.value, what: "steps")
        guard !stepNodes.isEmpty else {
            throw reader.error("flow has no steps", at: stepsEntry.keyNode, hint: "list the messages, e.g. '- caller -> callee: OPTIONS'")
        }
        for node in stepNodes { try parseStep(node) }
        guard steps.contains(where: { if case .message = $0.kind { true } else { false } }) else {
            throw reader.error("flow has pauses but no messages", at: stepsEntry.keyNode, hint: "add a message, e.g. '- \(parties[0]) -> \(parties[1]): OPTIONS'")
        }

        for index in pausesToAssign { assignPauseParty(at: index) }
        return Flow(
            name: name, description: description, parties: parties, steps: steps, captureNames: captureNames,
            dataColumns: dataColumns, file: reader.file)
    }

    mutating func parseParties(_ node: Node) throws(FlowError) {
        let nodes = try reader.sequence(node, what: "parties")
        guard nodes.count == 2 else {
            throw reader.error("a flow has two parties, not \(nodes.count)", at: node, hint: "e.g. 'parties: [caller, callee]'")
        }
        for party in nodes {
            let name = try reader.string(party, what: "a party name")
            guard Self.isIdentifier(name) else {
                throw reader.error("bad party name '\(name)'", at: party, hint: "use letters, digits, '_' and '-', starting with a letter")
            }
            guard !parties.contains(name) else {
                throw reader.error("party '\(name)' is listed twice", at: party, hint: "name the two sides differently")
            }
            parties.append(name)
        }
    }

    mutating func parseStep(_ node: Node) throws(FlowError) {
        let entries = try reader.mapping(node, what: "a step")
        let arrows = entries.filter { $0.key.contains("->") }
        for entry in entries where !entry.key.contains("->") && !Self.stepKeys.contains(entry.key) {
            let hint = parties.contains(entry.key)
                ? "a message step is written 'from -> to: MESSAGE'"
                : Suggestion.hint(for: entry.key, in: Self.stepKeys) ?? "a step is 'from -> to: MESSAGE' or 'pause: DURATION'"
            throw reader.error("unknown key '\(entry.key)' in a step", at: entry.keyNode, hint: hint)
        }
        if arrows.count > 1 {
            throw reader.error("a step sends one message, this one has \(arrows.count)", at: arrows[1].keyNode, hint: "start a new step with '- '")
        }
        if let arrow = arrows.first {
            if let pause = entries.first(where: { $0.key == "pause" || $0.key == "party" }) {
                throw reader.error("'\(pause.key)' belongs in a step of its own", at: pause.keyNode, hint: "start a new step with '- pause: ...'")
            }
            let step = try parseMessageStep(arrow: arrow, entries: entries, index: steps.count)
            steps.append(Step(kind: .message(step), location: reader.location(node)))
        } else if let pause = entries.first(where: { $0.key == "pause" }) {
            try parsePauseStep(pause: pause, entries: entries, node: node)
        } else {
            throw reader.error("step has no message and no pause", at: node, hint: "write 'from -> to: MESSAGE' or 'pause: DURATION'")
        }
    }

    /// Resolves a party name written at `offset` characters into the key `node`.
    func party(_ name: String, in node: Node, offset: Int) throws(FlowError) -> String {
        guard parties.contains(name) else {
            throw FlowError(
                "unknown party '\(name)'", at: reader.location(in: node, offset: offset),
                hint: Suggestion.hint(for: name, in: parties) ?? "the parties are \(parties.map { "'\($0)'" }.joined(separator: " and "))")
        }
        return name
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }
}

/// Reads body files named relative to the flow file (or from the built-in set).
struct BodyFiles: Sendable {
    /// The path to show in messages for a relative name.
    let display: @Sendable (String) -> String
    let read: @Sendable (String) -> String?
}
