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
    ///
    /// Dispatches on the length and the first letter, so a name is compared with at most two candidates.
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
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "t"):
                if matches(p, "to") { return .to }
            default: break
            }
            return .other
        case 3:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "v"):
                if matches(p, "via") { return .via }
            default: break
            }
            return .other
        case 4:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "c"):
                if matches(p, "cseq") { return .cseq }
            case UInt8(ascii: "d"):
                if matches(p, "date") { return .date }
            case UInt8(ascii: "f"):
                if matches(p, "from") { return .from }
            case UInt8(ascii: "r"):
                if matches(p, "rseq") { return .rseq }
                if matches(p, "rack") { return .rack }
            case UInt8(ascii: "p"):
                if matches(p, "path") { return .path }
            default: break
            }
            return .other
        case 5:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "a"):
                if matches(p, "allow") { return .allow }
            case UInt8(ascii: "r"):
                if matches(p, "route") { return .route }
            case UInt8(ascii: "e"):
                if matches(p, "event") { return .event }
            default: break
            }
            return .other
        case 6:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "a"):
                if matches(p, "accept") { return .accept }
            case UInt8(ascii: "s"):
                if matches(p, "server") { return .server }
            case UInt8(ascii: "m"):
                if matches(p, "min-se") { return .minSE }
            case UInt8(ascii: "r"):
                if matches(p, "reason") { return .reason }
            default: break
            }
            return .other
        case 7:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "c"):
                if matches(p, "call-id") { return .callID }
                if matches(p, "contact") { return .contact }
            case UInt8(ascii: "e"):
                if matches(p, "expires") { return .expires }
            case UInt8(ascii: "r"):
                if matches(p, "require") { return .require }
            case UInt8(ascii: "s"):
                if matches(p, "subject") { return .subject }
            case UInt8(ascii: "w"):
                if matches(p, "warning") { return .warning }
            case UInt8(ascii: "p"):
                if matches(p, "privacy") { return .privacy }
            default: break
            }
            return .other
        case 8:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "p"):
                if matches(p, "priority") { return .priority }
            case UInt8(ascii: "r"):
                if matches(p, "reply-to") { return .replyTo }
                if matches(p, "refer-to") { return .referTo }
            case UInt8(ascii: "i"):
                if matches(p, "identity") { return .identity }
            default: break
            }
            return .other
        case 9:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "c"):
                if matches(p, "call-info") { return .callInfo }
            case UInt8(ascii: "s"):
                if matches(p, "supported") { return .supported }
            case UInt8(ascii: "t"):
                if matches(p, "timestamp") { return .timestamp }
            default: break
            }
            return .other
        case 10:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "a"):
                if matches(p, "alert-info") { return .alertInfo }
            case UInt8(ascii: "e"):
                if matches(p, "error-info") { return .errorInfo }
            case UInt8(ascii: "u"):
                if matches(p, "user-agent") { return .userAgent }
            default: break
            }
            return .other
        case 11:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "i"):
                if matches(p, "in-reply-to") { return .inReplyTo }
            case UInt8(ascii: "m"):
                if matches(p, "min-expires") { return .minExpires }
            case UInt8(ascii: "r"):
                if matches(p, "retry-after") { return .retryAfter }
                if matches(p, "referred-by") { return .referredBy }
            case UInt8(ascii: "u"):
                if matches(p, "unsupported") { return .unsupported }
            default: break
            }
            return .other
        case 12:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "c"):
                if matches(p, "content-type") { return .contentType }
            case UInt8(ascii: "m"):
                if matches(p, "max-forwards") { return .maxForwards }
                if matches(p, "mime-version") { return .mimeVersion }
            case UInt8(ascii: "o"):
                if matches(p, "organization") { return .organization }
            case UInt8(ascii: "r"):
                if matches(p, "record-route") { return .recordRoute }
            case UInt8(ascii: "a"):
                if matches(p, "allow-events") { return .allowEvents }
            default: break
            }
            return .other
        case 13:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "a"):
                if matches(p, "authorization") { return .authorization }
            case UInt8(ascii: "p"):
                if matches(p, "proxy-require") { return .proxyRequire }
            case UInt8(ascii: "s"):
                if matches(p, "service-route") { return .serviceRoute }
            default: break
            }
            return .other
        case 14:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "c"):
                if matches(p, "content-length") { return .contentLength }
            case UInt8(ascii: "a"):
                if matches(p, "accept-contact") { return .acceptContact }
            case UInt8(ascii: "r"):
                if matches(p, "reject-contact") { return .rejectContact }
            default: break
            }
            return .other
        case 15:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "a"):
                if matches(p, "accept-encoding") { return .acceptEncoding }
                if matches(p, "accept-language") { return .acceptLanguage }
            case UInt8(ascii: "s"):
                if matches(p, "session-expires") { return .sessionExpires }
            default: break
            }
            return .other
        case 16:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "c"):
                if matches(p, "content-encoding") { return .contentEncoding }
                if matches(p, "content-language") { return .contentLanguage }
            case UInt8(ascii: "w"):
                if matches(p, "www-authenticate") { return .wwwAuthenticate }
            default: break
            }
            return .other
        case 18:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "p"):
                if matches(p, "proxy-authenticate") { return .proxyAuthenticate }
            case UInt8(ascii: "s"):
                if matches(p, "subscription-state") { return .subscriptionState }
            default: break
            }
            return .other
        case 19:
            switch ASCII.lower(p[0]) {
            case UInt8(ascii: "a"):
                if matches(p, "authentication-info") { return .authenticationInfo }
            case UInt8(ascii: "c"):
                if matches(p, "content-disposition") { return .contentDisposition }
            case UInt8(ascii: "p"):
                if matches(p, "proxy-authorization") { return .proxyAuthorization }
                if matches(p, "p-asserted-identity") { return .pAssertedIdentity }
            case UInt8(ascii: "r"):
                if matches(p, "request-disposition") { return .requestDisposition }
            default: break
            }
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
