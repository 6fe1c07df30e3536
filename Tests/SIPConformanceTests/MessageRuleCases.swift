import SIPCore
import SIPConformance
import Testing

/// One message that breaks one rule: the rule must fire, at the given header and line when they are known.
struct RuleCase: Sendable, CustomTestStringConvertible {
    let id: String
    let note: String
    let text: String
    var header: String? = nil
    var line: Int? = nil
    var limits: SIPParserLimits = .default

    var testDescription: String { "\(id): \(note)" }
}

extension RuleCase {
    /// Lines of `Fixture.invite`: 1 start line, 2 Via, 3 Max-Forwards, 4 To, 5 From, 6 Call-ID, 7 CSeq, 8 Contact,
    /// 9 Content-Type, then added headers from 10, then Content-Length.
    static let all: [RuleCase] = parse + startLine + presence + values + syntax + via + addresses + extensions
        + responses

    static let parse: [RuleCase] = [
        .init(id: "rfc3261.7.1.request-line-whitespace", note: "two SP after the method",
              text: Fixture.invite(startLine: "INVITE  sip:bob@example.com SIP/2.0"), line: 1),
        .init(id: "rfc3261.7.1.request-line-whitespace", note: "SP before CRLF",
              text: Fixture.invite(startLine: "INVITE sip:bob@example.com SIP/2.0 "), line: 1),
        .init(id: "rfc3261.7.1.request-uri-whitespace", note: "LWS in a URI parameter",
              text: Fixture.invite(startLine: "INVITE sip:bob@example.com; lr SIP/2.0"), line: 1),
        .init(id: "rfc3261.7.1.request-uri-angle-brackets", note: "<> around the Request-URI",
              text: Fixture.invite(startLine: "INVITE <sip:bob@example.com> SIP/2.0"), line: 1),
        .init(id: "rfc3261.7.2.status-line-syntax", note: "four-digit status code",
              text: Fixture.response(2000, "OK"), line: 1),
        .init(id: "rfc3261.7.bare-line-feed", note: "LF line ends",
              text: Fixture.request("OPTIONS").replacingOccurrences("\r\n", "\n"), line: 1),
        .init(id: "rfc3261.7.3.1.header-syntax", note: "a header line without colon",
              text: Fixture.invite(adding: ["NoColonHere"]), line: 10),
        .init(id: "rfc3261.7.3.1.continuation-without-header", note: "folded line right after the start line",
              text: "OPTIONS sip:bob@example.com SIP/2.0\r\n  stray\r\n" + Fixture.request("OPTIONS").droppingFirstLine(),
              line: 2),
        .init(id: "rfc3261.20.14.content-length-syntax", note: "negative Content-Length",
              text: Fixture.text("OPTIONS sip:bob@example.com SIP/2.0",
                                 ["Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1", "Content-Length: -5"], length: false),
              header: "Content-Length", line: 3),
        .init(id: "rfc3261.18.3.content-length-exceeds-body", note: "Content-Length 500 for a short body",
              text: Fixture.invite(adding: ["Content-Length: 500"], body: "v=0\r\n"), header: "Content-Length", line: 10),
        .init(id: "rfc3261.18.3.trailing-octets", note: "octets after a zero-length body",
              text: Fixture.request("OPTIONS") + "extra", header: "Content-Length", line: 8),
        .init(id: "rfc3261.7.unterminated-header-section", note: "no empty line",
              text: "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"),
        .init(id: "sipflow.parse.empty-message", note: "only CRLFs", text: "\r\n\r\n"),
        .init(id: "rfc3261.7.start-line", note: "not a start line", text: "HELLO WORLD\r\n\r\n", line: 1),
        .init(id: "sipflow.limits.message-size", note: "over a 100-octet limit", text: Fixture.invite,
              limits: SIPParserLimits(maxMessageSize: 100)),
        .init(id: "sipflow.limits.header-count", note: "over a 3-header limit", text: Fixture.invite,
              limits: SIPParserLimits(maxHeaderCount: 3)),
        .init(id: "sipflow.limits.line-length", note: "over a 30-octet line limit", text: Fixture.invite,
              limits: SIPParserLimits(maxLineLength: 30)),
    ]

    static let startLine: [RuleCase] = [
        .init(id: "rfc3261.7.1.sip-version", note: "SIP/3.0",
              text: Fixture.invite(startLine: "INVITE sip:bob@example.com SIP/3.0"), line: 1),
        .init(id: "rfc3261.7.2.status-code-range", note: "700", text: Fixture.response(700), line: 1),
        .init(id: "rfc3261.7.2.status-code-range", note: "099", text: Fixture.response(99), line: 1),
        .init(id: "rfc3261.19.1.request-uri-syntax", note: "bad character after the host",
              text: Fixture.invite(startLine: "INVITE sip:bob@exa_mple.com SIP/2.0"), line: 1),
        .init(id: "rfc3261.19.1.request-uri-syntax", note: "tel URI without a number",
              text: Fixture.invite(startLine: "INVITE tel:;phone-context=x SIP/2.0"), line: 1),
        .init(id: "rfc3261.8.2.2.1.request-uri-scheme", note: "mailto Request-URI",
              text: Fixture.request("OPTIONS", uri: "mailto:bob@example.com"), line: 1),
        .init(id: "rfc3261.10.2.register-request-uri", note: "REGISTER to a user",
              text: Fixture.request("REGISTER", uri: "sip:alice@example.com", ["Contact: <sip:alice@h.example.com>"]), line: 1),
        .init(id: "rfc3261.19.1.1.request-uri-headers", note: "?Subject= in the Request-URI",
              text: Fixture.invite(startLine: "INVITE sip:bob@example.com?Subject=hi SIP/2.0"), line: 1),
    ]

    static let presence: [RuleCase] = ["To", "From", "CSeq", "Call-ID", "Via", "Max-Forwards"].map { name in
        .init(id: "rfc3261.8.1.1.required-header", note: "no \(name)", text: Fixture.invite(replacing: [name: nil]),
              header: name)
    } + [
        .init(id: "rfc3261.8.1.1.rfc2543-missing-header", note: "RFC 2543 INVITE without Max-Forwards or Contact",
              text: Fixture.invite(replacing: ["Max-Forwards": nil, "Contact": nil,
                                               "Via": "Via: SIP/2.0/UDP pc33.example.com"]), header: "Max-Forwards"),
        .init(id: "rfc3261.8.2.6.2.required-header", note: "200 without Call-ID",
              text: Fixture.response(200, dropping: ["Call-ID"]), header: "Call-ID"),
        .init(id: "rfc3261.7.3.1.single-valued-header", note: "second Call-ID",
              text: Fixture.invite(adding: ["Call-ID: other@example.com"]), header: "Call-ID", line: 10),
        .init(id: "rfc3261.7.3.1.single-valued-header", note: "second Content-Type",
              text: Fixture.invite(adding: ["c: text/plain"]), header: "Content-Type", line: 10),
        .init(id: "rfc3261.20.14.multiple-content-length", note: "two Content-Length headers",
              text: Fixture.request("OPTIONS", ["l: 0"]), header: "Content-Length", line: 9),
        .init(id: "rfc3261.8.1.1.8.single-contact", note: "two Contact values in one header",
              text: Fixture.invite(replacing: ["Contact": "Contact: <sip:a@h1.example.com>, <sip:a@h2.example.com>"]),
              header: "Contact", line: 8),
        .init(id: "rfc3261.8.1.1.8.contact-required", note: "INVITE without Contact",
              text: Fixture.invite(replacing: ["Contact": nil]), header: "Contact"),
        .init(id: "rfc3261.13.3.1.4.contact-in-2xx", note: "200 to INVITE without Contact",
              text: Fixture.response(200, method: "INVITE"), header: "Contact"),
        .init(id: "rfc3261.20.15.content-type-required", note: "SDP body without Content-Type",
              text: Fixture.invite(replacing: ["Content-Type": nil]), header: "Content-Type"),
    ]

    static let values: [RuleCase] = [
        .init(id: "rfc3261.20.16.cseq-syntax", note: "CSeq 2**31",
              text: Fixture.invite(replacing: ["CSeq": "CSeq: 2147483648 INVITE"]), header: "CSeq", line: 7),
        .init(id: "rfc3261.20.16.cseq-syntax", note: "CSeq without method",
              text: Fixture.invite(replacing: ["CSeq": "CSeq: 12"]), header: "CSeq", line: 7),
        .init(id: "rfc3261.8.1.1.5.cseq-method", note: "lower-case CSeq method",
              text: Fixture.invite(replacing: ["CSeq": "CSeq: 1 invite"]), header: "CSeq", line: 7),
        .init(id: "rfc3261.20.14.content-length-value", note: "second Content-Length disagrees with the body",
              text: Fixture.text("MESSAGE sip:bob@example.com SIP/2.0", messageHeaders + ["Content-Length: 4", "Content-Length: 9"],
                                 body: "ping", length: false), header: "Content-Length", line: 10),
        .init(id: "rfc3261.20.22.max-forwards-syntax", note: "256",
              text: Fixture.invite(replacing: ["Max-Forwards": "Max-Forwards: 256"]), header: "Max-Forwards", line: 3),
        .init(id: "rfc3261.20.22.max-forwards-syntax", note: "not a number",
              text: Fixture.invite(replacing: ["Max-Forwards": "Max-Forwards: ten"]), header: "Max-Forwards", line: 3),
        .init(id: "rfc3261.16.3.max-forwards-zero", note: "0",
              text: Fixture.invite(replacing: ["Max-Forwards": "Max-Forwards: 0"]), header: "Max-Forwards", line: 3),
        .init(id: "rfc3261.25.1.delta-seconds", note: "Expires 2**32",
              text: Fixture.invite(adding: ["Expires: 4294967296"]), header: "Expires", line: 10),
        .init(id: "rfc3261.25.1.delta-seconds", note: "Min-Expires not a number",
              text: Fixture.response(423, ["Min-Expires: soon"]), header: "Min-Expires", line: 7),
        .init(id: "rfc3261.25.1.delta-seconds", note: "Retry-After overlarge",
              text: Fixture.response(503, ["Retry-After: 99999999999 (maintenance)"]), header: "Retry-After", line: 7),
        .init(id: "rfc3261.25.1.delta-seconds", note: "Contact expires parameter overlarge",
              text: Fixture.invite(replacing: ["Contact": "Contact: <sip:alice@pc33.example.com>;expires=5000000000"]),
              header: "Contact", line: 8),
        .init(id: "rfc3261.20.17.date-format", note: "time zone PST",
              text: Fixture.invite(adding: ["Date: Sat, 13 Nov 2010 23:29:00 PST"]), header: "Date", line: 10),
    ]

    static let via: [RuleCase] = [
        .init(id: "rfc3261.20.42.via-syntax", note: "no sent-by",
              text: Fixture.invite(adding: ["Via: SIP/2.0/UDP"]), header: "Via", line: 10),
        .init(id: "rfc3261.20.42.via-sent-protocol", note: "SIP/1.0 in Via",
              text: Fixture.invite(replacing: ["Via": "Via: SIP/1.0/UDP pc33.example.com;branch=z9hG4bK776"]),
              header: "Via", line: 2),
        .init(id: "rfc3261.8.1.1.7.branch-cookie", note: "branch is only the cookie",
              text: Fixture.invite(replacing: ["Via": "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK"]),
              header: "Via", line: 2),
        .init(id: "rfc3261.8.1.1.7.branch-cookie", note: "branch without cookie",
              text: Fixture.invite(replacing: ["Via": "Via: SIP/2.0/UDP pc33.example.com;branch=776asdhds"]),
              header: "Via", line: 2),
        .init(id: "rfc4475.3.3.10.via-broadcast", note: "received=255.255.255.255",
              text: Fixture.response(200, ["Via: SIP/2.0/UDP p.example.com;branch=z9hG4bK2;received=255.255.255.255"]),
              header: "Via", line: 7),
        .init(id: "rfc4475.3.3.10.via-broadcast", note: "maddr=255.255.255.255",
              text: Fixture.invite(replacing: ["Via": "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK7;maddr=255.255.255.255"]),
              header: "Via", line: 2),
    ]
}

/// Headers of a clean MESSAGE with a text/plain body, without Content-Length (lines 2 to 8).
let messageHeaders = [
    "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKm1", "Max-Forwards: 70", "To: <sip:bob@example.com>",
    "From: <sip:alice@example.com>;tag=88", "Call-ID: m1@pc33.example.com", "CSeq: 1 MESSAGE",
    "Content-Type: text/plain",
]

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }

    func droppingFirstLine() -> String {
        guard let r = firstRange(of: "\r\n") else { return self }
        return String(self[r.upperBound...])
    }
}
