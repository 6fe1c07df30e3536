import SIPCore

/// Rules for defects the parser tolerated (`SIPParseIssue`) and for bytes it could not parse (`SIPParseError`).
///
/// Every `SIPParseIssue.Kind` and every `SIPParseError.Kind` maps to exactly one rule.
enum ParseRules {
    /// RFC 3261 §7.1, §25.1: Request-Line elements are separated by exactly one SP and the line ends at CRLF.
    static let requestLineWhitespace = Rule(
        "rfc3261.7.1.request-line-whitespace", .error, "RFC 3261 §7.1",
        "Request-Line elements are separated by single SP characters, with no white space before CRLF.")
    /// RFC 3261 §7.1, §25.1: the Request-URI contains no unescaped white space.
    static let requestURIWhitespace = Rule(
        "rfc3261.7.1.request-uri-whitespace", .error, "RFC 3261 §7.1",
        "The Request-URI contains no white space.")
    /// RFC 3261 §7.1: the Request-URI is never enclosed in `<>`.
    static let requestURIAngleBrackets = Rule(
        "rfc3261.7.1.request-uri-angle-brackets", .error, "RFC 3261 §7.1",
        "The Request-URI is not enclosed in '<' and '>'.")
    /// RFC 3261 §7.2: `SIP-Version SP Status-Code SP Reason-Phrase CRLF`, Status-Code being 3DIGIT.
    static let statusLineSyntax = Rule(
        "rfc3261.7.2.status-line-syntax", .error, "RFC 3261 §7.2",
        "The Status-Line is SIP-Version SP 3-digit Status-Code SP Reason-Phrase.")
    /// RFC 3261 §7: every line ends with CRLF.
    static let bareLineFeed = Rule(
        "rfc3261.7.bare-line-feed", .error, "RFC 3261 §7",
        "Every line of the start line and header section ends with CRLF, not LF alone.")
    /// RFC 3261 §7.3.1: `field-name: field-value`, the name a token.
    static let headerSyntax = Rule(
        "rfc3261.7.3.1.header-syntax", .error, "RFC 3261 §7.3.1",
        "Each header line is a token field name, a colon and a value.")
    /// RFC 3261 §7.3.1: a continuation line (starting with white space) continues the header before it.
    static let continuationWithoutHeader = Rule(
        "rfc3261.7.3.1.continuation-without-header", .error, "RFC 3261 §7.3.1",
        "A line starting with white space continues a header field; the first header line does not.")
    /// RFC 3261 §20.14: Content-Length is `1*DIGIT`.
    static let contentLengthSyntax = Rule(
        "rfc3261.20.14.content-length-syntax", .error, "RFC 3261 §20.14",
        "Content-Length is a non-negative decimal number.")
    /// RFC 3261 §18.3: a message whose Content-Length exceeds the octets received is discarded (UDP) or incomplete.
    static let contentLengthExceedsBody = Rule(
        "rfc3261.18.3.content-length-exceeds-body", .error, "RFC 3261 §18.3",
        "Content-Length does not exceed the number of octets that follow the header section.")
    /// RFC 3261 §18.3, RFC 4475 §3.1.1.8: octets after the declared body are ignored; the message is still valid.
    static let trailingOctets = Rule(
        "rfc3261.18.3.trailing-octets", .warning, "RFC 3261 §18.3",
        "No octets follow the body that Content-Length declares (extra octets are ignored).")
    /// RFC 3261 §7: the header section ends with an empty line.
    static let unterminatedHeaderSection = Rule(
        "rfc3261.7.unterminated-header-section", .warning, "RFC 3261 §7",
        "The header section ends with an empty line (CRLF CRLF).")

    /// RFC 3261 §7: a message has a start line.
    static let emptyMessage = Rule(
        "sipflow.parse.empty-message", .error, "RFC 3261 §7",
        "The input holds a SIP message, not only white space.")
    /// RFC 3261 §7.1, §7.2: the first line is a Request-Line or a Status-Line.
    static let startLine = Rule(
        "rfc3261.7.start-line", .error, "RFC 3261 §7.1, §7.2",
        "The first line is a Request-Line (Method SP Request-URI SP SIP-Version) or a Status-Line.")
    /// sipflow parser limit: total message size.
    static let messageTooLarge = Rule(
        "sipflow.limits.message-size", .error, "sipflow parser limits",
        "The message is no larger than the parser's size limit (64 KiB by default).")
    /// sipflow parser limit: number of header fields.
    static let tooManyHeaders = Rule(
        "sipflow.limits.header-count", .error, "sipflow parser limits",
        "The message has no more header fields than the parser's limit (256 by default).")
    /// sipflow parser limit: length of one line.
    static let lineTooLong = Rule(
        "sipflow.limits.line-length", .error, "sipflow parser limits",
        "No line is longer than the parser's line limit (8192 octets by default).")

    static let all: [Rule] = [
        startLine, requestLineWhitespace, requestURIWhitespace, requestURIAngleBrackets, statusLineSyntax, bareLineFeed,
        headerSyntax, continuationWithoutHeader, contentLengthSyntax, contentLengthExceedsBody, trailingOctets,
        unterminatedHeaderSection, emptyMessage, messageTooLarge, tooManyHeaders, lineTooLong,
    ]

    /// The rule for a tolerated parse defect.
    static func rule(for kind: SIPParseIssue.Kind) -> Rule {
        switch kind {
        case .requestLineWhitespace: requestLineWhitespace
        case .requestURIWhitespace: requestURIWhitespace
        case .requestURIAngleBrackets: requestURIAngleBrackets
        case .statusLineSyntax: statusLineSyntax
        case .bareLineFeed: bareLineFeed
        case .headerSyntax: headerSyntax
        case .continuationWithoutHeader: continuationWithoutHeader
        case .contentLengthSyntax: contentLengthSyntax
        case .contentLengthExceedsBody: contentLengthExceedsBody
        case .trailingOctets: trailingOctets
        case .unterminatedHeaderSection: unterminatedHeaderSection
        }
    }

    /// The rule for bytes that could not be parsed.
    static func rule(for kind: SIPParseError.Kind) -> Rule {
        switch kind {
        case .empty: emptyMessage
        case .startLine: startLine
        case .messageTooLarge: messageTooLarge
        case .tooManyHeaders: tooManyHeaders
        case .lineTooLong: lineTooLong
        }
    }

    /// Reports each tolerated defect; defects about the body length point at the Content-Length header.
    static func check(_ m: SIPMessage, into out: inout FindingList) {
        for issue in m.issues {
            let rule = rule(for: issue.kind)
            let field: SIPHeaderField? = switch issue.kind {
            case .contentLengthSyntax: m.headers.first { Int($0.line) == issue.line && $0.name == .contentLength }
            case .contentLengthExceedsBody, .trailingOctets: m.firstField(.contentLength)
            default: nil
            }
            if let field { out.add(rule, field, issue.detail) } else { out.add(rule, line: issue.line, issue.detail) }
        }
    }
}
