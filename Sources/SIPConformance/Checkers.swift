import SIPCore

/// Checks single messages against every message-scope rule of the catalogue.
public struct MessageChecker: Sendable {
    public init() {}

    /// Every finding for a parsed message, in the order of the message's lines (findings about absent headers,
    /// which have no line, come last).
    public func check(_ message: SIPMessage) -> [Finding] {
        var out = FindingList(message)
        Self.check(message, into: &out)
        return out.sorted()
    }

    /// `check(_:)` for one of a run of messages alike, such as the requests of one load test: `memo` carries from
    /// one message to the next the values found well formed, and a value met again is not examined again.
    public func check(_ message: SIPMessage, memo: inout CheckMemo) -> [Finding] {
        var out = FindingList(message)
        swap(&out.memo, &memo)
        Self.check(message, into: &out)
        swap(&out.memo, &memo)
        return out.sorted()
    }

    static func check(_ message: SIPMessage, into out: inout FindingList) {
        ParseRules.check(message, into: &out)
        StartLineRules.check(message, into: &out)
        PresenceRules.check(message, into: &out)
        ValueRules.check(message, into: &out)
        HeaderSyntaxRules.check(message, into: &out)
        ViaRules.check(message, into: &out)
        AddressRules.check(message, into: &out)
        ExtensionRules.check(message, into: &out)
        ResponseRules.check(message, into: &out)
    }

    /// The finding for bytes that could not be parsed at all.
    public func findings(for error: SIPParseError) -> [Finding] {
        [Finding(ParseRules.rule(for: error.kind), line: error.line, error.detail)]
    }
}

/// Checks a response against the request it answers (RFC 3261 §8.2.6, §12.1.1).
public struct ExchangeChecker: Sendable {
    public init() {}

    /// Findings for `response` as an answer to `request`. `earlierToTag` is the To tag of an earlier response of the
    /// same dialog, if one was seen, to check that provisional and final responses agree.
    public func check(response: SIPMessage, to request: SIPMessage, earlierToTag: ByteString? = nil) -> [Finding] {
        var out = FindingList(response)
        ExchangeRules.check(response: response, request: request, earlierToTag: earlierToTag, into: &out)
        return out.sorted()
    }
}

/// Checks a response as the UAC that sent the request receives it: on its own (the message rules) and as the answer
/// to its request (the exchange rules), with the findings of both in the order of the response's lines.
///
/// The findings are those of `MessageChecker` and `ExchangeChecker` together, but for the values the response copied
/// byte for byte from the request (RFC 3261 §8.2.6.2: From, Call-ID, CSeq, the Via). Those are not examined again:
/// the same bytes would give the findings of the request's own values, which are the UAC's doing, not the answering
/// side's. The To and the top Via are parsed once for both sets of rules.
public struct ResponseChecker: Sendable {
    public init() {}

    public func check(_ response: SIPMessage, answering request: SIPMessage, earlierToTag: ByteString? = nil) -> [Finding] {
        var memo = CheckMemo()
        return check(response, answering: request, earlierToTag: earlierToTag, memo: &memo)
    }

    /// `check(_:answering:earlierToTag:)` with the values found well formed in earlier responses (see
    /// `MessageChecker.check(_:memo:)`).
    public func check(_ response: SIPMessage, answering request: SIPMessage, earlierToTag: ByteString? = nil,
                      memo: inout CheckMemo) -> [Finding] {
        var out = FindingList(response)
        swap(&out.memo, &memo)
        out.copies = CopiedFields(response, of: request)
        MessageChecker.check(response, into: &out)
        ExchangeRules.check(response: response, request: request, earlierToTag: earlierToTag, into: &out)
        swap(&out.memo, &memo)
        return out.sorted()
    }
}

/// Header values found well formed by earlier checks, so that the same bytes met again are not examined again:
/// a peer under load answers every call with the same Contact, and sends the same To in every initial request.
///
/// Only rules whose findings follow from a value's bytes and its header alone use it, and they keep what gave no
/// finding: a value met again gives the same findings, none. It holds the last such To and Contact value.
public struct CheckMemo: Sendable {
    /// The last well-formed To without a tag and Contact other than `*`.
    var to: ByteString?, contact: ByteString?

    public init() {}

    /// Whether `value` of a `name` header is the last one found well formed.
    func isClean(_ value: ByteString, _ name: HeaderName) -> Bool {
        switch name {
        case .to: to == value
        case .contact: contact == value
        default: false
        }
    }

    /// Keeps `value` of a `name` header, found well formed, in place of the last one.
    mutating func keep(_ value: ByteString, _ name: HeaderName) {
        switch name {
        case .to: if to != value { to = value.owned }
        case .contact: if contact != value { contact = value.owned }
        default: break
        }
    }
}

/// The full rule catalogue.
public enum RuleCatalogue {
    public static let all: [Rule] = ParseRules.all + StartLineRules.all + PresenceRules.all + ValueRules.all
        + HeaderSyntaxRules.all + ViaRules.all + AddressRules.all + ExtensionRules.all + ResponseRules.all
        + ExchangeRules.all + MatchingRules.all + TransactionResponseRules.all

    public static func rule(id: String) -> Rule? { all.first { $0.id == id } }

    /// The rule a tolerated parse defect is reported under.
    public static func rule(for issue: SIPParseIssue.Kind) -> Rule { ParseRules.rule(for: issue) }

    /// The rule bytes that could not be parsed are reported under.
    public static func rule(for error: SIPParseError.Kind) -> Rule { ParseRules.rule(for: error) }
}
