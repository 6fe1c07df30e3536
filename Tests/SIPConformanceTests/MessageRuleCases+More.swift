import SIPCore
import Testing

extension RuleCase {
    static let addresses: [RuleCase] = [
        .init(id: "rfc3261.20.20.from-syntax", note: "unterminated quoted display name",
              text: Fixture.invite(replacing: ["From": "From: \"Alice <sip:alice@example.com>;tag=1"]), header: "From", line: 5),
        .init(id: "rfc3261.20.20.from-syntax", note: "bad sip URI inside <>",
              text: Fixture.invite(replacing: ["From": "From: <sip:alice@exa mple.com>;tag=1"]), header: "From", line: 5),
        .init(id: "rfc3261.20.39.to-syntax", note: "white space inside <>",
              text: Fixture.invite(replacing: ["To": "To: < sip:bob@example.com >"]), header: "To", line: 4),
        .init(id: "rfc3261.20.10.contact-syntax", note: "empty URI parameter",
              text: Fixture.invite(replacing: ["Contact": "Contact: <sip:alice@pc33.example.com;;>"]),
              header: "Contact", line: 8),
        .init(id: "rfc3261.20.10.contact-syntax", note: "addr-spec with '?' outside <>",
              text: Fixture.request("REGISTER", uri: "sip:example.com", ["Contact: sip:alice@example.com?Subject=x"]),
              header: "Contact", line: 8),
        .init(id: "rfc3261.20.34.route-syntax", note: "Route not in <>",
              text: Fixture.invite(adding: ["Route: sip:p1.example.com;lr"]), header: "Route", line: 10),
        .init(id: "rfc3261.20.30.record-route-syntax", note: "second Record-Route value has white space in the URI",
              text: Fixture.invite(adding: ["Record-Route: <sip:p1.example.com;lr>, <sip:p2 .example.com;lr>"]),
              header: "Record-Route", line: 10),
        .init(id: "rfc3261.20.31.reply-to-syntax", note: "comma in an unquoted display name",
              text: Fixture.invite(adding: ["Reply-To: Bob, Smith <sip:bob@example.com>"]), header: "Reply-To", line: 10),
        .init(id: "rfc3261.8.1.1.3.from-tag", note: "From without tag",
              text: Fixture.invite(replacing: ["From": "From: Alice <sip:alice@example.com>"]), header: "From", line: 5),
        .init(id: "rfc4475.3.3.14.register-contact-uri-headers", note: "escaped Route in a REGISTER Contact",
              text: Fixture.request("REGISTER", uri: "sip:example.com",
                                    ["Contact: <sip:alice@pc33.example.com?Route=%3Csip:evil.example.com%3E>"]),
              header: "Contact", line: 8),
    ]

    static let syntax: [RuleCase] = [
        .init(id: "rfc3261.20.8.call-id-syntax", note: "white space inside the Call-ID",
              text: Fixture.invite(replacing: ["Call-ID": "Call-ID: a84b4c76 e66710@pc33.example.com"]), header: "Call-ID", line: 6),
        .init(id: "rfc3261.20.8.call-id-syntax", note: "two '@'",
              text: Fixture.invite(replacing: ["Call-ID": "Call-ID: a@b@c"]), header: "Call-ID", line: 6),
        .init(id: "rfc3261.20.43.warning-syntax", note: "4-digit warn-code",
              text: Fixture.response(200, ["Warning: 1812 overture \"In Progress\""]), header: "Warning", line: 7),
        .init(id: "rfc3261.20.43.warning-syntax", note: "no warn-text",
              text: Fixture.response(200, ["Warning: 399 example.com"]), header: "Warning", line: 7),
        .init(id: "rfc3261.10.2.2.contact-wildcard", note: "'*' in an INVITE",
              text: Fixture.invite(replacing: ["Contact": "Contact: *"]), header: "Contact", line: 8),
        .init(id: "rfc3261.10.2.2.contact-wildcard", note: "'*' without Expires: 0",
              text: Fixture.request("REGISTER", uri: "sip:example.com", ["Contact: *", "Expires: 60"]), header: "Contact", line: 8),
        .init(id: "rfc3261.10.2.2.contact-wildcard", note: "'*' with another binding",
              text: Fixture.request("REGISTER", uri: "sip:example.com", ["Contact: *, <sip:a@h.example.com>", "Expires: 0"]),
              header: "Contact", line: 8),
        .init(id: "rfc3261.20.17.date-format", note: "hour 25",
              text: Fixture.invite(adding: ["Date: Sat, 13 Nov 2010 25:29:00 GMT"]), header: "Date", line: 10),
    ]

    static let extensions: [RuleCase] = [
        .init(id: "rfc3261.8.2.2.3.unknown-option-tag", note: "Require: foo",
              text: Fixture.invite(adding: ["Require: 100rel, foo"]), header: "Require", line: 10),
        .init(id: "rfc3261.8.2.2.3.unknown-option-tag", note: "Proxy-Require: bar",
              text: Fixture.request("OPTIONS", ["Proxy-Require: bar"]), header: "Proxy-Require", line: 8),
        .init(id: "rfc3261.8.2.3.unknown-content-type", note: "application/x-nothing",
              text: Fixture.invite(replacing: ["Content-Type": "Content-Type: application/x-nothing"]),
              header: "Content-Type", line: 9),
        .init(id: "rfc3261.20.1.accept-excludes-body", note: "Accept: text/plain with an SDP body",
              text: Fixture.invite(adding: ["Accept: text/plain, application/sdp-not"]), header: "Accept", line: 10),
        .init(id: "rfc3261.22.4.auth-scheme", note: "Basic",
              text: Fixture.request("REGISTER", uri: "sip:example.com", ["Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l"]),
              header: "Authorization", line: 8),
        .init(id: "rfc3261.22.4.auth-scheme", note: "Proxy-Authorization: Bearer",
              text: Fixture.request("OPTIONS", ["Proxy-Authorization: Bearer abc"]), header: "Proxy-Authorization", line: 8),
    ]

    static let responses: [RuleCase] = ([
        (300, "rfc3261.21.3.3xx-contact", "Contact"), (302, "rfc3261.21.3.3xx-contact", "Contact"),
        (401, "rfc3261.21.4.2.401-www-authenticate", "WWW-Authenticate"),
        (405, "rfc3261.21.4.6.405-allow", "Allow"),
        (407, "rfc3261.21.4.8.407-proxy-authenticate", "Proxy-Authenticate"),
        (415, "rfc3261.21.4.13.415-accept", "Accept"),
        (420, "rfc3261.21.4.15.420-unsupported", "Unsupported"),
        (423, "rfc3261.21.4.17.423-min-expires", "Min-Expires"),
    ] as [(Int, String, String)]).map { code, id, header in
        RuleCase(id: id, note: "\(code) without \(header)", text: Fixture.response(code), header: header)
    }
}
