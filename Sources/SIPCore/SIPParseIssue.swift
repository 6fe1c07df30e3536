/// A defect the parser tolerated: the message was parsed, but not as RFC 3261 spells it.
///
/// Conformance rules turn each kind into a finding with a stable rule ID.
public struct SIPParseIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// More than one SP between Request-Line elements, or SP before CRLF (RFC 3261 §7.1, §25.1).
        case requestLineWhitespace
        /// White space inside the Request-URI (RFC 3261 §7.1, §25.1).
        case requestURIWhitespace
        /// The Request-URI is enclosed in `<>` (RFC 3261 §7.1).
        case requestURIAngleBrackets
        /// The Status-Line lacks the SP that ends the status code, or the code is not three digits (RFC 3261 §7.2).
        case statusLineSyntax
        /// A line ended with LF alone instead of CRLF (RFC 3261 §7).
        case bareLineFeed
        /// A header line with no colon or a name that is not a token (RFC 3261 §7.3.1).
        case headerSyntax
        /// A folded line with no header before it (RFC 3261 §7.3.1).
        case continuationWithoutHeader
        /// Content-Length is not a non-negative decimal number (RFC 3261 §20.14).
        case contentLengthSyntax
        /// Content-Length says more octets than the message has (RFC 3261 §18.3).
        case contentLengthExceedsBody
        /// Octets after the body that Content-Length declared (RFC 3261 §18.3).
        case trailingOctets
        /// The header section ran to the end of the data without the empty line (RFC 3261 §7).
        case unterminatedHeaderSection
    }

    public let kind: Kind
    /// 1-based line number in the message where the defect is.
    public let line: Int
    public let detail: String

    public init(_ kind: Kind, line: Int, _ detail: String) {
        self.kind = kind
        self.line = line
        self.detail = detail
    }

    public var description: String { "line \(line): \(detail)" }
}

/// Why bytes could not be parsed as a SIP message at all.
public struct SIPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case empty
        case startLine
        case messageTooLarge
        case tooManyHeaders
        case lineTooLong
    }

    public let kind: Kind
    public let line: Int
    public let detail: String

    public init(_ kind: Kind, line: Int, _ detail: String) {
        self.kind = kind
        self.line = line
        self.detail = detail
    }

    public var description: String { "line \(line): \(detail)" }
}

/// Resource limits applied while parsing: inputs beyond them are rejected with an error, never a crash.
public struct SIPParserLimits: Sendable, Equatable {
    public var maxMessageSize: Int
    public var maxHeaderCount: Int
    public var maxLineLength: Int

    public init(maxMessageSize: Int = 65_536, maxHeaderCount: Int = 256, maxLineLength: Int = 8_192) {
        self.maxMessageSize = maxMessageSize
        self.maxHeaderCount = maxHeaderCount
        self.maxLineLength = maxLineLength
    }

    public static let `default` = SIPParserLimits()
}
