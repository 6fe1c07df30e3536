import SIPCore

/// Rules for headers that particular responses must carry (RFC 3261 §21).
enum ResponseRules {
    /// One status code (or class) and the header it requires.
    struct Requirement: Sendable {
        let rule: Rule
        let codes: ClosedRange<Int>
        /// Any one of these satisfies the rule.
        let headers: [HeaderName]
    }

    static let requirements: [Requirement] = [
        requirement("rfc3261.21.3.3xx-contact", "RFC 3261 §21.3", 300...399, [.contact],
                    "A 3xx response carries Contact with the alternative locations."),
        requirement("rfc3261.21.4.2.401-www-authenticate", "RFC 3261 §21.4.2", 401...401, [.wwwAuthenticate],
                    "A 401 (Unauthorized) response carries WWW-Authenticate."),
        requirement("rfc3261.21.4.6.405-allow", "RFC 3261 §21.4.6", 405...405, [.allow],
                    "A 405 (Method Not Allowed) response carries Allow."),
        requirement("rfc3261.21.4.8.407-proxy-authenticate", "RFC 3261 §21.4.8", 407...407, [.proxyAuthenticate],
                    "A 407 (Proxy Authentication Required) response carries Proxy-Authenticate."),
        requirement("rfc3261.21.4.13.415-accept", "RFC 3261 §21.4.13, §8.2.3", 415...415,
                    [.accept, .acceptEncoding, .acceptLanguage],
                    "A 415 (Unsupported Media Type) response carries Accept, Accept-Encoding or Accept-Language."),
        requirement("rfc3261.21.4.15.420-unsupported", "RFC 3261 §21.4.15, §8.2.2.3", 420...420, [.unsupported],
                    "A 420 (Bad Extension) response carries Unsupported with the option tags it did not understand."),
        requirement("rfc3261.21.4.17.423-min-expires", "RFC 3261 §21.4.17, §10.3", 423...423, [.minExpires],
                    "A 423 (Interval Too Brief) response carries Min-Expires."),
    ]

    static let all: [Rule] = requirements.map(\.rule)

    static func requirement(_ id: String, _ reference: String, _ codes: ClosedRange<Int>, _ headers: [HeaderName],
                            _ summary: String) -> Requirement {
        Requirement(rule: Rule(id, .error, reference, summary), codes: codes, headers: headers)
    }

    static func check(_ m: SIPMessage, into out: inout FindingList) {
        guard let code = m.statusCode else { return }
        for r in requirements where r.codes.contains(code) && !r.headers.contains(where: m.contains) {
            let names = r.headers.map(\.canonicalName).joined(separator: " or ")
            out.add(r.rule, header: r.headers[0], "the \(code) response has no \(names) header")
        }
    }
}
