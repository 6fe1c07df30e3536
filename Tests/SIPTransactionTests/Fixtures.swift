import SIPCore
import Testing
@testable import SIPTransaction

/// Messages and helpers shared by the transcript tests. Times are milliseconds from zero on a fake clock.

func ms(_ n: Int) -> SIPInstant { .at(.milliseconds(n)) }

/// A SIP message from lines joined with CRLF; Content-Length is added by the builder when missing.
func message(_ lines: String...) throws -> SIPMessage {
    try SIPMessage(parsing: lines.joined(separator: "\r\n") + "\r\n\r\n")
}

enum Alice {
    static let via = "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds"

    /// Alice's INVITE to Bob (RFC 3261 §24.2 style), optionally through a pre-loaded route.
    static func invite(branch: String = "z9hG4bK776asdhds", cseq: UInt32 = 314159, routes: [String] = []) throws -> SIPMessage {
        var h: [(String, String)] = [
            ("Via", "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=\(branch)"),
            ("Max-Forwards", "70"),
            ("To", "Bob <sip:bob@biloxi.example.com>"),
            ("From", "Alice <sip:alice@atlanta.example.com>;tag=1928301774"),
            ("Call-ID", "a84b4c76e66710@pc33.atlanta.example.com"),
            ("CSeq", "\(cseq) INVITE"),
            ("Contact", "<sip:alice@pc33.atlanta.example.com>"),
        ]
        for r in routes { h.append(("Route", r)) }
        return try SIPMessage.request(.invite, uri: "sip:bob@biloxi.example.com", headers: h)
    }

    static func options(branch: String = "z9hG4bKnashds8") throws -> SIPMessage {
        try SIPMessage.request(.options, uri: "sip:carol@chicago.example.com", headers: [
            ("Via", "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=\(branch)"),
            ("Max-Forwards", "70"),
            ("To", "<sip:carol@chicago.example.com>"),
            ("From", "Alice <sip:alice@atlanta.example.com>;tag=1928301774"),
            ("Call-ID", "a84b4c76e66710-options"),
            ("CSeq", "63104 OPTIONS"),
        ])
    }
}

/// What Bob answers with.
func response(_ code: Int, _ reason: String, to request: SIPMessage, tag: String? = "a6c85cf",
              extra: [(String, String)] = []) throws -> SIPMessage {
    try SIPMessage.response(to: request, statusCode: code, reason: reason, toTag: tag, extraHeaders: extra)
}

/// The messages in the `.send` actions, parsed as the peer would receive them.
func onWire(_ actions: TransactionActions) throws -> [SIPMessage] {
    try actions.compactMap { a -> SIPMessage? in
        if case .send(let b) = a { return try SIPMessage(parsing: b) }
        return nil
    }
}

/// The single message sent by `actions`.
func sent(_ actions: TransactionActions, sourceLocation: SourceLocation = #_sourceLocation) throws -> SIPMessage {
    let m = try onWire(actions)
    try #require(m.count == 1, "expected one message sent in \(actions)", sourceLocation: sourceLocation)
    return m[0]
}

extension SIPMessage {
    /// The bytes a transaction sends for this message.
    var bytes: [UInt8] { Array(rawBytes) }
}
