import SIPCore
import SIPConformance

/// Small inline messages for the rule tests: a clean message of each kind, and edits that break one rule.
enum Fixture {
    static let sdp = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"

    /// The headers of a clean INVITE (RFC 3261 §24.2 style), without Content-Length.
    static let inviteHeaders = [
        "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds",
        "Max-Forwards: 70",
        "To: Bob <sip:bob@example.com>",
        "From: Alice <sip:alice@example.com>;tag=1928301774",
        "Call-ID: a84b4c76e66710@pc33.example.com",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@pc33.example.com>",
        "Content-Type: application/sdp",
    ]

    /// A message from a start line, header lines and a body; Content-Length is appended unless `length` is false.
    static func text(_ startLine: String, _ headers: [String], body: String = "", length: Bool = true) -> String {
        var lines = [startLine] + headers
        if length { lines.append("Content-Length: \(body.utf8.count)") }
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// A clean INVITE with an SDP body.
    static var invite: String { text("INVITE sip:bob@example.com SIP/2.0", inviteHeaders, body: sdp) }

    /// The clean INVITE with header lines edited: each edit replaces the first header whose name (before ':') matches,
    /// or removes it when the replacement is nil; `adding` lines go at the end.
    static func invite(replacing edits: [String: String?] = [:], adding: [String] = [], startLine: String? = nil,
                       body: String? = nil) -> String {
        var headers: [String] = []
        for h in inviteHeaders {
            let name = String(h.prefix { $0 != ":" })
            if let edit = edits[name] {
                if let new = edit { headers.append(new) }
            } else {
                headers.append(h)
            }
        }
        return text(startLine ?? "INVITE sip:bob@example.com SIP/2.0", headers + adding, body: body ?? sdp)
    }

    /// A clean request of another method, no body.
    static func request(_ method: String, uri: String = "sip:bob@example.com", _ extra: [String] = [],
                        dropping: Set<String> = []) -> String {
        let base = [
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKnashds8",
            "Max-Forwards: 70",
            "To: Bob <sip:bob@example.com>",
            "From: Alice <sip:alice@example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.example.com",
            "CSeq: 1 \(method)",
        ].filter { !dropping.contains(String($0.prefix { $0 != ":" })) }
        return text("\(method) \(uri) SIP/2.0", base + extra)
    }

    /// A clean response with the given status and extra headers, no body.
    static func response(_ code: Int, _ reason: String = "Reason", method: String = "OPTIONS", _ extra: [String] = [],
                         dropping: Set<String> = []) -> String {
        let base = [
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1",
            "To: Bob <sip:bob@example.com>;tag=a6c85cf",
            "From: Alice <sip:alice@example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.example.com",
            "CSeq: 314159 \(method)",
        ].filter { !dropping.contains(String($0.prefix { $0 != ":" })) }
        return text("SIP/2.0 \(code) \(reason)", base + extra)
    }

    static func response(_ code: Int, _ extra: [String]) -> String { response(code, "Reason", extra) }

    /// Parses (as a datagram) and checks; a parse error yields its finding.
    static func findings(_ text: String, limits: SIPParserLimits = .default) -> [Finding] {
        findings(Array(text.utf8), limits: limits)
    }

    static func findings(_ bytes: [UInt8], limits: SIPParserLimits = .default) -> [Finding] {
        do {
            return MessageChecker().check(try SIPParser(limits: limits).parse(bytes))
        } catch {
            return MessageChecker().findings(for: error)
        }
    }

    static func message(_ text: String) throws -> SIPMessage { try SIPMessage(parsing: text) }
}

extension Array where Element == Finding {
    var ids: Set<String> { Set(map(\.rule.id)) }
    func with(_ id: String) -> [Finding] { filter { $0.rule.id == id } }
    /// A readable list for failure messages.
    var listing: String { map { "\($0.rule.id)@\($0.line.map(String.init) ?? "-"): \($0.message)" }.joined(separator: "; ") }
}
