import Yams

extension FlowParser {
    /// `- pause: 2s`, `- pause: {uniform: [1s, 3s]}`, with an optional `party:`.
    mutating func parsePauseStep(pause: NodeReader.Entry, entries: [NodeReader.Entry], node: Node) throws(FlowError) {
        for entry in entries where entry.key != "pause" && entry.key != "party" {
            throw reader.error("'\(entry.key)' does not apply to a pause", at: entry.keyNode, hint: "a pause step has 'pause' and optionally 'party'")
        }
        let delay = try parseDelay(pause.value)
        var party = ""
        if let entry = entries.first(where: { $0.key == "party" }) {
            let name = try reader.string(entry.value, what: "party")
            party = try self.party(name, in: entry.value, offset: 0)
        } else {
            pausesToAssign.append(steps.count)
        }
        steps.append(Step(kind: .pause(PauseStep(delay: delay, party: party)), location: reader.location(node)))
    }

    /// A pause without `party:` is the think time of whoever sends the next message (else the previous one).
    mutating func assignPauseParty(at index: Int) {
        let after = steps[(index + 1)...].lazy.compactMap { if case .message(let m) = $0.kind { m.from } else { nil } }.first
        let before = steps[..<index].reversed().lazy.compactMap { if case .message(let m) = $0.kind { m.from } else { nil } }.first
        guard case .pause(var pause) = steps[index].kind else { return }
        pause.party = after ?? before ?? parties[0]
        steps[index].kind = .pause(pause)
    }

    static let distributions = ["uniform", "normal", "exponential"]

    func parseDelay(_ node: Node) throws(FlowError) -> Delay {
        guard case .mapping = node else { return .fixed(try duration(node, what: "pause")) }
        let entries = try reader.mapping(node, what: "a distribution")
        try reader.checkKeys(entries, allowed: Self.distributions, in: "a pause distribution")
        guard entries.count == 1 else {
            throw reader.error("a pause has one distribution", at: node, hint: "e.g. '{uniform: [1s, 3s]}'")
        }
        let entry = entries[0]
        switch entry.key {
        case "uniform":
            let bounds = try reader.sequence(entry.value, what: "uniform")
            guard bounds.count == 2 else {
                throw reader.error("uniform takes two bounds", at: entry.value, hint: "e.g. 'uniform: [1s, 3s]'")
            }
            let low = try duration(bounds[0], what: "uniform"), high = try duration(bounds[1], what: "uniform")
            guard low <= high else { throw reader.error("uniform bounds are reversed", at: entry.value, hint: "put the shorter duration first") }
            return .uniform(low, high)
        case "normal":
            let fields = try reader.mapping(entry.value, what: "normal")
            try reader.checkKeys(fields, allowed: ["mean", "stddev"], in: "normal")
            guard let mean = fields.first(where: { $0.key == "mean" }), let stddev = fields.first(where: { $0.key == "stddev" }) else {
                throw reader.error("normal needs 'mean' and 'stddev'", at: entry.value, hint: "e.g. '{normal: {mean: 2s, stddev: 500ms}}'")
            }
            return .normal(mean: try duration(mean.value, what: "mean"), stddev: try duration(stddev.value, what: "stddev"))
        default:
            let fields = try reader.mapping(entry.value, what: "exponential")
            try reader.checkKeys(fields, allowed: ["mean"], in: "exponential")
            guard let mean = fields.first else {
                throw reader.error("exponential needs 'mean'", at: entry.value, hint: "e.g. '{exponential: {mean: 30s}}'")
            }
            return .exponential(mean: try duration(mean.value, what: "mean"))
        }
    }

    func duration(_ node: Node, what: String) throws(FlowError) -> Duration {
        let text = try reader.string(node, what: what)
        if let duration = DurationSyntax.parse(text) { return duration }
        let hint = Double(text) != nil ? "add a unit, e.g. '\(text)s' or '\(text)ms'" : "write a number and a unit: 500ms, 2s, 1.5s, 5m"
        throw reader.error("bad duration '\(text)'", at: node, hint: hint)
    }
}
