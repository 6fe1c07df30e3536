import SIPCore

/// Checks single messages against every message-scope rule of the catalogue.
public struct MessageChecker: Sendable {
    public init() {}

    /// Every finding for a parsed message, in the order of the message's lines.
    public func check(_ message: SIPMessage) -> [Finding] {
        []
    }

    /// The finding for bytes that could not be parsed at all.
    public func findings(for error: SIPParseError) -> [Finding] {
        []
    }
}

/// Checks a response against the request it answers (RFC 3261 §8.2.6, §12.1.1).
public struct ExchangeChecker: Sendable {
    public init() {}

    /// Findings for `response` as an answer to `request`. `earlierToTag` is the To tag of an earlier response of the
    /// same dialog, if one was seen, to check that provisional and final responses agree.
    public func check(response: SIPMessage, to request: SIPMessage, earlierToTag: ByteString? = nil) -> [Finding] {
        []
    }
}

/// The full rule catalogue.
public enum RuleCatalogue {
    public static let all: [Rule] = []

    public static func rule(id: String) -> Rule? { all.first { $0.id == id } }
}
