/// A header field name that sipflow recognises, or `.other` (RFC 3261 §7.3, §20; compact forms §7.3.3 and the
/// IANA SIP parameters registry). Names match case-insensitively; compact forms map to their long names.
public enum HeaderName: UInt8, Sendable, CaseIterable {
    case other = 0
    case accept
    case acceptEncoding
    case acceptLanguage
    case alertInfo
    case allow
    case authenticationInfo
    case authorization
    case callID
    case callInfo
    case contact
    case contentDisposition
    case contentEncoding
    case contentLanguage
    case contentLength
    case contentType
    case cseq
    case date
    case errorInfo
    case expires
    case from
    case inReplyTo
    case maxForwards
    case minExpires
    case mimeVersion
    case organization
    case priority
    case proxyAuthenticate
    case proxyAuthorization
    case proxyRequire
    case recordRoute
    case replyTo
    case require
    case retryAfter
    case route
    case server
    case subject
    case supported
    case timestamp
    case to
    case unsupported
    case userAgent
    case via
    case warning
    case wwwAuthenticate
    case event
    case allowEvents
    case referTo
    case referredBy
    case sessionExpires
    case identity
    case acceptContact
    case rejectContact
    case requestDisposition
    case rseq
    case rack
    case path
    case serviceRoute
    case minSE
    case subscriptionState
    case pAssertedIdentity
    case privacy
    case reason

    /// The canonical spelling, e.g. `Call-ID`; empty for `.other`.
    public var canonicalName: String {
        switch self {
        case .other: return ""
        case .accept: return "Accept"
        case .acceptEncoding: return "Accept-Encoding"
        case .acceptLanguage: return "Accept-Language"
        case .alertInfo: return "Alert-Info"
        case .allow: return "Allow"
        case .authenticationInfo: return "Authentication-Info"
        case .authorization: return "Authorization"
        case .callID: return "Call-ID"
        case .callInfo: return "Call-Info"
        case .contact: return "Contact"
        case .contentDisposition: return "Content-Disposition"
        case .contentEncoding: return "Content-Encoding"
        case .contentLanguage: return "Content-Language"
        case .contentLength: return "Content-Length"
        case .contentType: return "Content-Type"
        case .cseq: return "CSeq"
        case .date: return "Date"
        case .errorInfo: return "Error-Info"
        case .expires: return "Expires"
        case .from: return "From"
        case .inReplyTo: return "In-Reply-To"
        case .maxForwards: return "Max-Forwards"
        case .minExpires: return "Min-Expires"
        case .mimeVersion: return "MIME-Version"
        case .organization: return "Organization"
        case .priority: return "Priority"
        case .proxyAuthenticate: return "Proxy-Authenticate"
        case .proxyAuthorization: return "Proxy-Authorization"
        case .proxyRequire: return "Proxy-Require"
        case .recordRoute: return "Record-Route"
        case .replyTo: return "Reply-To"
        case .require: return "Require"
        case .retryAfter: return "Retry-After"
        case .route: return "Route"
        case .server: return "Server"
        case .subject: return "Subject"
        case .supported: return "Supported"
        case .timestamp: return "Timestamp"
        case .to: return "To"
        case .unsupported: return "Unsupported"
        case .userAgent: return "User-Agent"
        case .via: return "Via"
        case .warning: return "Warning"
        case .wwwAuthenticate: return "WWW-Authenticate"
        case .event: return "Event"
        case .allowEvents: return "Allow-Events"
        case .referTo: return "Refer-To"
        case .referredBy: return "Referred-By"
        case .sessionExpires: return "Session-Expires"
        case .identity: return "Identity"
        case .acceptContact: return "Accept-Contact"
        case .rejectContact: return "Reject-Contact"
        case .requestDisposition: return "Request-Disposition"
        case .rseq: return "RSeq"
        case .rack: return "RAck"
        case .path: return "Path"
        case .serviceRoute: return "Service-Route"
        case .minSE: return "Min-SE"
        case .subscriptionState: return "Subscription-State"
        case .pAssertedIdentity: return "P-Asserted-Identity"
        case .privacy: return "Privacy"
        case .reason: return "Reason"
        }
    }

    /// The one-letter compact form, if the header has one.
    public var compactForm: Character? {
        switch self {
        case .callID: return "i"
        case .contact: return "m"
        case .contentEncoding: return "e"
        case .contentLength: return "l"
        case .contentType: return "c"
        case .from: return "f"
        case .subject: return "s"
        case .supported: return "k"
        case .to: return "t"
        case .via: return "v"
        case .event: return "o"
        case .allowEvents: return "u"
        case .referTo: return "r"
        case .referredBy: return "b"
        case .sessionExpires: return "x"
        case .identity: return "y"
        case .acceptContact: return "a"
        case .rejectContact: return "j"
        case .requestDisposition: return "d"
        default: return nil
        }
    }

    /// True for headers whose grammar allows one value only (RFC 3261 §7.3.1, §20).
    public var isSingleValued: Bool {
        switch self {
        case .authenticationInfo, .callID, .contentDisposition, .contentLength, .contentType, .cseq, .date, .expires, .from, .maxForwards, .minExpires, .mimeVersion, .organization, .priority, .replyTo, .retryAfter, .server, .subject, .timestamp, .to, .userAgent, .event, .referTo, .referredBy, .sessionExpires, .rseq, .rack, .minSE, .subscriptionState: return true
        default: return false
        }
    }

    /// True for headers whose values form a comma-separated list (RFC 3261 §7.3.1).
    public var isList: Bool {
        switch self {
        case .accept, .acceptEncoding, .acceptLanguage, .alertInfo, .allow, .callInfo, .contact, .contentEncoding, .contentLanguage, .errorInfo, .inReplyTo, .proxyRequire, .recordRoute, .require, .route, .supported, .unsupported, .via, .warning, .allowEvents, .acceptContact, .rejectContact, .requestDisposition, .path, .serviceRoute, .pAssertedIdentity, .reason: return true
        default: return false
        }
    }

    /// Classifies a raw header name, case-insensitively, including compact forms.
    @inlinable
    public static func classify(_ p: UnsafeBufferPointer<UInt8>) -> HeaderName {
        switch p.count {
        case 1:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "a"): return .acceptContact
            case UInt8(ascii: "b"): return .referredBy
            case UInt8(ascii: "c"): return .contentType
            case UInt8(ascii: "d"): return .requestDisposition
            case UInt8(ascii: "e"): return .contentEncoding
            case UInt8(ascii: "f"): return .from
            case UInt8(ascii: "i"): return .callID
            case UInt8(ascii: "j"): return .rejectContact
            case UInt8(ascii: "k"): return .supported
            case UInt8(ascii: "l"): return .contentLength
            case UInt8(ascii: "m"): return .contact
            case UInt8(ascii: "o"): return .event
            case UInt8(ascii: "r"): return .referTo
            case UInt8(ascii: "s"): return .subject
            case UInt8(ascii: "t"): return .to
            case UInt8(ascii: "u"): return .allowEvents
            case UInt8(ascii: "v"): return .via
            case UInt8(ascii: "x"): return .sessionExpires
            case UInt8(ascii: "y"): return .identity
            default: return .other
            }
        case 2:
            if matches(p, "to") { return .to }
            return .other
        case 3:
            if matches(p, "via") { return .via }
            return .other
        case 4:
            if matches(p, "cseq") { return .cseq }
            if matches(p, "date") { return .date }
            if matches(p, "from") { return .from }
            if matches(p, "rseq") { return .rseq }
            if matches(p, "rack") { return .rack }
            if matches(p, "path") { return .path }
            return .other
        case 5:
            if matches(p, "allow") { return .allow }
            if matches(p, "route") { return .route }
            if matches(p, "event") { return .event }
            return .other
        case 6:
            if matches(p, "accept") { return .accept }
            if matches(p, "server") { return .server }
            if matches(p, "min-se") { return .minSE }
            if matches(p, "reason") { return .reason }
            return .other
        case 7:
            if matches(p, "call-id") { return .callID }
            if matches(p, "contact") { return .contact }
            if matches(p, "expires") { return .expires }
            if matches(p, "require") { return .require }
            if matches(p, "subject") { return .subject }
            if matches(p, "warning") { return .warning }
            if matches(p, "privacy") { return .privacy }
            return .other
        case 8:
            if matches(p, "priority") { return .priority }
            if matches(p, "reply-to") { return .replyTo }
            if matches(p, "refer-to") { return .referTo }
            if matches(p, "identity") { return .identity }
            return .other
        case 9:
            if matches(p, "call-info") { return .callInfo }
            if matches(p, "supported") { return .supported }
            if matches(p, "timestamp") { return .timestamp }
            return .other
        case 10:
            if matches(p, "alert-info") { return .alertInfo }
            if matches(p, "error-info") { return .errorInfo }
            if matches(p, "user-agent") { return .userAgent }
            return .other
        case 11:
            if matches(p, "in-reply-to") { return .inReplyTo }
            if matches(p, "min-expires") { return .minExpires }
            if matches(p, "retry-after") { return .retryAfter }
            if matches(p, "unsupported") { return .unsupported }
            if matches(p, "referred-by") { return .referredBy }
            return .other
        case 12:
            if matches(p, "content-type") { return .contentType }
            if matches(p, "max-forwards") { return .maxForwards }
            if matches(p, "mime-version") { return .mimeVersion }
            if matches(p, "organization") { return .organization }
            if matches(p, "record-route") { return .recordRoute }
            if matches(p, "allow-events") { return .allowEvents }
            return .other
        case 13:
            if matches(p, "authorization") { return .authorization }
            if matches(p, "proxy-require") { return .proxyRequire }
            if matches(p, "service-route") { return .serviceRoute }
            return .other
        case 14:
            if matches(p, "content-length") { return .contentLength }
            if matches(p, "accept-contact") { return .acceptContact }
            if matches(p, "reject-contact") { return .rejectContact }
            return .other
        case 15:
            if matches(p, "accept-encoding") { return .acceptEncoding }
            if matches(p, "accept-language") { return .acceptLanguage }
            if matches(p, "session-expires") { return .sessionExpires }
            return .other
        case 16:
            if matches(p, "content-encoding") { return .contentEncoding }
            if matches(p, "content-language") { return .contentLanguage }
            if matches(p, "www-authenticate") { return .wwwAuthenticate }
            return .other
        case 18:
            if matches(p, "proxy-authenticate") { return .proxyAuthenticate }
            if matches(p, "subscription-state") { return .subscriptionState }
            return .other
        case 19:
            if matches(p, "authentication-info") { return .authenticationInfo }
            if matches(p, "content-disposition") { return .contentDisposition }
            if matches(p, "proxy-authorization") { return .proxyAuthorization }
            if matches(p, "request-disposition") { return .requestDisposition }
            if matches(p, "p-asserted-identity") { return .pAssertedIdentity }
            return .other
        default: return .other
        }
    }

    @inlinable
    static func matches(_ p: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
        let q = lower.utf8Start
        for i in 0..<p.count where ASCII.lower(p[i]) != q[i] { return false }
        return true
    }

    /// Classifies a header name given as text.
    public static func classify(_ name: String) -> HeaderName {
        var s = name
        return s.withUTF8 { classify($0) }
    }
}
