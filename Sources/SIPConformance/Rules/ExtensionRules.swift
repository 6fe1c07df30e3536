import SIPCore

/// Rules for extensions and bodies a receiver may not support: option tags, media types, auth schemes
/// (RFC 3261 §8.2.2.3, §8.2.3, §20.1, §22.4).
enum ExtensionRules {
    /// RFC 3261 §8.2.2.3: a UAS answers an unknown Require option tag with 420 and Unsupported (a proxy, Proxy-Require).
    static let unknownOptionTag = Rule(
        "rfc3261.8.2.2.3.unknown-option-tag", .warning, "RFC 3261 §8.2.2.3",
        "Require and Proxy-Require name option tags the receiver knows; otherwise it answers 420 (Bad Extension) with Unsupported.")
    /// RFC 3261 §8.2.3: a UAS answers a body type it does not understand with 415 and Accept.
    static let unknownContentType = Rule(
        "rfc3261.8.2.3.unknown-content-type", .warning, "RFC 3261 §8.2.3",
        "The Content-Type is a media type the receiver knows; otherwise it answers 415 (Unsupported Media Type) with Accept.")
    /// RFC 3261 §20.1, RFC 4475 §3.3.15: a body of a type the sender itself does not Accept cannot be answered in kind.
    static let acceptExcludesBody = Rule(
        "rfc3261.20.1.accept-excludes-body", .warning, "RFC 3261 §20.1, RFC 4475 §3.3.15",
        "When a message has both a body and Accept, Accept includes the body's Content-Type.")
    /// RFC 3261 §22.4: Digest is the authentication scheme SIP defines.
    static let authScheme = Rule(
        "rfc3261.22.4.auth-scheme", .warning, "RFC 3261 §22.4",
        "Authorization and Proxy-Authorization use the Digest scheme; other schemes are answered with a challenge.")

    static let all: [Rule] = [unknownOptionTag, unknownContentType, acceptExcludesBody, authScheme]

    /// Option tags sipflow knows (IANA SIP option tags in common use).
    static let knownOptionTags: Set<String> = [
        "100rel", "timer", "replaces", "path", "outbound", "gruu", "norefersub", "precondition", "eventlist",
        "from-change", "histinfo", "join", "resource-priority", "sec-agree", "tdialog", "answermode", "199",
        "early-session", "ice", "multiple-refer", "pref", "recipient-list-invite", "recipient-list-message",
        "recipient-list-subscribe", "record-aware", "siprec", "target-dialog", "uui", "explicitsub", "nosub",
        "privacy", "sdp-anat", "policy", "geolocation-sip", "geolocation-http", "info-package", "reg-id",
    ]

    /// Media types sipflow knows how to carry (RFC 3261 §7.4 and common SIP bodies).
    static let knownContentTypes: Set<String> = [
        "application/sdp", "multipart/mixed", "multipart/alternative", "multipart/related", "multipart/signed",
        "application/pidf+xml", "application/xpidf+xml", "application/dialog-info+xml", "application/rlmi+xml",
        "application/reginfo+xml", "application/simple-message-summary", "application/watcherinfo+xml",
        "message/sipfrag", "message/sip", "message/cpim", "text/plain", "text/html", "application/dtmf-relay",
        "application/dtmf", "application/isup", "application/qsig", "application/pkcs7-mime",
        "application/pkcs7-signature", "application/resource-lists+xml", "application/vnd.etsi.cug+xml",
        "application/media_control+xml", "application/json", "application/xml",
    ]

    static let optionTagHeaders: [HeaderName] = [.require, .proxyRequire]
    static let credentialHeaders: [HeaderName] = [.authorization, .proxyAuthorization]

    static func check(_ m: SIPMessage, into out: inout FindingList) {
        // One look at the header index first: most messages carry none of the headers these rules read.
        var present = HeaderNameSet()
        for f in m.headers { _ = present.insert(f.name) }
        for name in optionTagHeaders where present.contains(name) {
            for (f, v) in m.fieldValues(name) {
                let tag = v.trimmed.lowercased
                if !tag.isEmpty, !knownOptionTags.contains(tag) {
                    let answer = name == .require ? "a UAS answers 420 with Unsupported" : "a proxy answers 420 with Unsupported"
                    out.add(unknownOptionTag, f, "\(name.canonicalName) names the unknown option tag '\(v.trimmed)': \(answer)")
                }
            }
        }
        // The usual body, SDP with no Accept to hold it to, is known without building its type's text.
        if let f = m.firstField(.contentType), case let value = m.value(of: f),
           present.contains(.accept) || !value.equalsIgnoringCase("application/sdp") {
            let type = mediaType(value)
            if !knownContentTypes.contains(type) {
                out.add(unknownContentType, f, "the Content-Type '\(type)' is unknown: a UAS answers 415 with Accept")
            }
            if !m.body.isEmpty, present.contains(.accept) {
                let ranges = m.values(.accept).map(mediaType).filter { !$0.isEmpty }
                if !ranges.contains(where: { matches(range: $0, type: type) }), let a = m.firstField(.accept) {
                    out.add(acceptExcludesBody, a, "Accept does not include the body's type '\(type)'")
                }
            }
        }
        for name in credentialHeaders where present.contains(name) {
            for f in m.eachField(name) {
                let v = m.value(of: f).trimmed.bytes
                let scheme = ByteString(v.prefix(while: ASCII.isToken))
                if !scheme.equalsIgnoringCase("Digest") {
                    out.add(authScheme, f, "\(name.canonicalName) uses the scheme '\(scheme)', not Digest")
                }
            }
        }
    }

    /// `type/subtype` of a media type or range, lower-cased, without parameters or white space.
    static func mediaType(_ value: ByteString) -> String {
        // Byte by byte: every message with a body goes through here.
        var out: [UInt8] = []
        out.reserveCapacity(value.bytes.count)
        for b in value.bytes {
            if b == ASCII.semicolon { break }
            if !ASCII.isLWS(b) { out.append(ASCII.lower(b)) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether an Accept media-range (`*/*`, `type/*` or `type/subtype`) covers a media type.
    static func matches(range: String, type: String) -> Bool {
        if range == "*/*" || range == type { return true }
        guard range.hasSuffix("/*") else { return false }
        return type.hasPrefix(range.dropLast())
    }
}
