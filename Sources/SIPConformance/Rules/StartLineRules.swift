import SIPCore

/// Rules for the start line: SIP-Version, Status-Code and Request-URI (RFC 3261 §7.1, §7.2, §19.1).
enum StartLineRules {
    /// RFC 3261 §7.1: this specification defines SIP/2.0; RFC 4475 §3.1.2.16 (badvers): a UAS answers 505.
    static let sipVersion = Rule(
        "rfc3261.7.1.sip-version", .error, "RFC 3261 §7.1",
        "The start line carries SIP-Version SIP/2.0 (a UAS answers any other version with 505).")
    /// RFC 3261 §7.2, §21: status codes run from 100 to 699.
    static let statusCodeRange = Rule(
        "rfc3261.7.2.status-code-range", .error, "RFC 3261 §7.2",
        "The Status-Code is between 100 and 699.")
    /// RFC 3261 §19.1, RFC 3966: a sip, sips or tel Request-URI follows its grammar.
    static let requestURISyntax = Rule(
        "rfc3261.19.1.request-uri-syntax", .error, "RFC 3261 §19.1, §25.1",
        "The Request-URI follows the sip/sips (or tel, or absoluteURI) grammar.")
    /// RFC 3261 §8.2.2.1: a UAS answers a Request-URI scheme it does not support with 416.
    static let unsupportedScheme = Rule(
        "rfc3261.8.2.2.1.request-uri-scheme", .warning, "RFC 3261 §8.2.2.1",
        "The Request-URI scheme is sip, sips or tel; a UAS answers other schemes with 416 (Unsupported URI Scheme).")
    /// RFC 3261 §19.1.1 (table): URI headers are not allowed in a Request-URI.
    static let requestURIHeaders = Rule(
        "rfc3261.19.1.1.request-uri-headers", .error, "RFC 3261 §19.1.1",
        "The Request-URI carries no URI headers ('?name=value').")

    /// RFC 3261 §10.2: the REGISTER Request-URI names the registrar's domain: no userinfo and '@'.
    static let registerURI = Rule(
        "rfc3261.10.2.register-request-uri", .error, "RFC 3261 §10.2",
        "The Request-URI of a REGISTER names the registrar domain, with no user part.")

    static let all: [Rule] = [sipVersion, statusCodeRange, requestURISyntax, unsupportedScheme, requestURIHeaders,
                              registerURI]

    static func check(_ m: SIPMessage, into out: inout FindingList) {
        if !m.version.equalsLowercase("sip/2.0") {
            out.addStartLine(sipVersion, "the start line carries version \(m.version), not SIP/2.0")
        }
        if let code = m.statusCode, !(100...699).contains(code) {
            out.addStartLine(statusCodeRange, "the status code \(statusCodeText(m)) is outside 100-699")
        }
        if let uri = m.requestURI { checkRequestURI(uri, m, into: &out) }
    }

    /// The status code as written (the parsed value saturates for overlong codes).
    static func statusCodeText(_ m: SIPMessage) -> String {
        let line = m.rawBytes.prefix { $0 != ASCII.cr && $0 != ASCII.lf }
        let parts = line.split(separator: ASCII.sp, maxSplits: 2)
        guard parts.count >= 2 else { return String(m.statusCode ?? 0) }
        return String(decoding: parts[1].prefix(20), as: UTF8.self)
    }

    static func checkRequestURI(_ uri: ByteString, _ m: SIPMessage, into out: inout FindingList) {
        // White space and <> are reported by the parse rules; the URI cannot then be judged on its own.
        if m.issues.contains(where: { $0.kind == .requestURIWhitespace || $0.kind == .requestURIAngleBrackets }) { return }
        // A plain sip/sips URI parses, with a supported scheme and no URI headers: nothing below can fire, unless
        // a REGISTER's URI has a user part.
        if m.method != .register, SIPURI.isPlainSIP(uri) { return }
        let scheme = uri.bytes.firstIndex(of: ASCII.colon).map { ByteString(uri.bytes[uri.bytes.startIndex..<$0]) }
        do {
            let parsed = try SIPURI.parse(uri)
            if let scheme, !(scheme.equalsLowercase("sip") || scheme.equalsLowercase("sips") || scheme.equalsLowercase("tel")) {
                let scheme = scheme.lowercased
                out.addStartLine(unsupportedScheme, "the Request-URI scheme '\(scheme)' is not sip, sips or tel; a UAS answers 416")
            }
            if m.method == .register, parsed.isSIP, let user = parsed.user {
                out.addStartLine(registerURI, "the REGISTER Request-URI has the user part '\(user)'; it names a domain only")
            }
            if !parsed.headers.isEmpty {
                let names = parsed.headers.map(\.name.string).joined(separator: ", ")
                out.addStartLine(requestURIHeaders, "the Request-URI '\(uri)' carries URI headers (\(names))")
            }
        } catch {
            out.addStartLine(requestURISyntax, "the Request-URI is malformed: \(error.message)")
        }
    }
}
