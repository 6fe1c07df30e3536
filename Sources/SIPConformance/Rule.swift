import SIPCore

/// How bad a finding is. `error`: the message breaks a MUST of the RFC; `warning`: legal but a SIP element must
/// treat it specially, or it breaks a SHOULD; `info`: worth knowing.
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
    case info, warning, error

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    var rank: Int { switch self { case .info: 0; case .warning: 1; case .error: 2 } }
}

/// What a rule looks at: one message alone, a response together with the request it answers, or a response against
/// the client transactions of the call it names (the engine's check: `MatchingRules`).
public enum RuleScope: String, Sendable, Hashable, Codable {
    case message
    case exchange
    case transaction
}

/// A conformance rule with a stable ID. IDs never change meaning once published; retired IDs are not reused.
public struct Rule: Sendable, Hashable, Identifiable {
    /// Stable identifier, e.g. `rfc3261.8.1.1.required-header`: the RFC, the section, a short name.
    public let id: String
    public let severity: Severity
    /// Where the rule comes from, e.g. `RFC 3261 §8.1.1`.
    public let reference: String
    /// One sentence saying what a conforming message does.
    public let summary: String
    public let scope: RuleScope

    public init(_ id: String, _ severity: Severity, _ reference: String, _ summary: String, scope: RuleScope = .message) {
        self.id = id
        self.severity = severity
        self.reference = reference
        self.summary = summary
        self.scope = scope
    }
}

/// One place where a message breaks a rule.
public struct Finding: Sendable, Hashable {
    public let rule: Rule
    /// The header the finding is about (its canonical name), if any.
    public let header: String?
    /// 1-based line number in the message, if known.
    public let line: Int?
    /// One sentence about this message, e.g. "the request has no Max-Forwards header".
    public let message: String

    public init(_ rule: Rule, header: String? = nil, line: Int? = nil, _ message: String) {
        self.rule = rule
        self.header = header
        self.line = line
        self.message = message
    }

    public var severity: Severity { rule.severity }
}
