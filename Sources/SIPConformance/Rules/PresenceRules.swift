import SIPCore

/// Rules about which headers a message carries and how often (RFC 3261 §7.3.1, §8.1.1, §20).
enum PresenceRules {
    /// RFC 3261 §8.1.1: a request carries To, From, CSeq, Call-ID, Max-Forwards and Via.
    static let requiredRequestHeader = Rule(
        "rfc3261.8.1.1.required-header", .error, "RFC 3261 §8.1.1",
        "A request carries To, From, CSeq, Call-ID, Max-Forwards and Via.")
    /// RFC 3261 §8.1.1, RFC 4475 §3.4.1: a request from an RFC 2543 element (top Via without the z9hG4bK cookie)
    /// may lack the headers RFC 3261 added as mandatory (Max-Forwards, Contact in INVITE).
    static let rfc2543MissingHeader = Rule(
        "rfc3261.8.1.1.rfc2543-missing-header", .warning, "RFC 3261 §8.1.1, RFC 4475 §3.4.1",
        "A request carries Max-Forwards (and an INVITE a Contact); an RFC 2543 request (no z9hG4bK branch) may lack them.")
    /// RFC 3261 §8.2.6.2, §20 (table): a response carries Via, From, To, Call-ID and CSeq.
    static let requiredResponseHeader = Rule(
        "rfc3261.8.2.6.2.required-header", .error, "RFC 3261 §8.2.6.2, §20",
        "A response carries Via, From, To, Call-ID and CSeq.")
    /// RFC 3261 §7.3.1: a header whose grammar has one value appears once.
    static let singleValued = Rule(
        "rfc3261.7.3.1.single-valued-header", .error, "RFC 3261 §7.3.1",
        "A header whose grammar allows one value (To, From, Call-ID, CSeq, Max-Forwards, Content-Type, …) appears once.")
    /// RFC 3261 §20.14, RFC 4475 §3.3.9: more than one Content-Length makes the body length ambiguous.
    static let multipleContentLength = Rule(
        "rfc3261.20.14.multiple-content-length", .error, "RFC 3261 §20.14",
        "A message has at most one Content-Length header.")
    /// RFC 3261 §8.1.1.8: the Contact of an INVITE holds exactly one URI.
    static let inviteSingleContact = Rule(
        "rfc3261.8.1.1.8.single-contact", .error, "RFC 3261 §8.1.1.8",
        "The Contact header of an INVITE holds exactly one URI.")
    /// RFC 3261 §8.1.1.8: a request that can create a dialog (INVITE) carries a Contact.
    static let inviteContact = Rule(
        "rfc3261.8.1.1.8.contact-required", .error, "RFC 3261 §8.1.1.8",
        "An INVITE carries a Contact header.")
    /// RFC 3261 §13.3.1.4: a 2xx to INVITE carries a Contact.
    static let okContact = Rule(
        "rfc3261.13.3.1.4.contact-in-2xx", .error, "RFC 3261 §13.3.1.4",
        "A 2xx response to INVITE carries a Contact header.")
    /// RFC 3261 §20.15: a message with a non-empty body carries Content-Type.
    static let contentTypeRequired = Rule(
        "rfc3261.20.15.content-type-required", .error, "RFC 3261 §20.15",
        "A message with a non-empty body carries a Content-Type header.")

    static let all: [Rule] = [
        requiredRequestHeader, rfc2543MissingHeader, requiredResponseHeader, singleValued, multipleContentLength,
        inviteSingleContact, inviteContact, okContact, contentTypeRequired,
    ]

    static func check(_ m: SIPMessage, into out: inout FindingList) {
        checkRequired(m, into: &out)
        checkMultiplicity(m, into: &out)
        if m.method == .invite {
            if !m.contains(.contact) {
                if isRFC2543(m) {
                    out.add(rfc2543MissingHeader, header: .contact,
                            "the INVITE has no Contact header (tolerated from an RFC 2543 element)")
                } else {
                    out.add(inviteContact, header: .contact, "the INVITE has no Contact header")
                }
            }
        }
        // The CSeq is parsed last: only a 2xx without Contact needs its method.
        if let code = m.statusCode, (200..<300).contains(code), !m.contains(.contact), m.answeredMethod == .invite {
            out.add(okContact, header: .contact, "the \(code) response to INVITE has no Contact header")
        }
        if !m.body.isEmpty, !m.contains(.contentType) {
            out.add(contentTypeRequired, header: .contentType,
                    "the message has a \(m.body.count)-octet body but no Content-Type header")
        }
    }

    static let requiredInRequests: [HeaderName] = [.to, .from, .cseq, .callID, .via]
    static let requiredInResponses: [HeaderName] = [.via, .from, .to, .callID, .cseq]

    static func checkRequired(_ m: SIPMessage, into out: inout FindingList) {
        if m.isRequest {
            for name in requiredInRequests where !m.contains(name) {
                out.add(requiredRequestHeader, header: name, "the request has no \(name.canonicalName) header")
            }
            if !m.contains(.maxForwards) {
                if !isRFC2543(m) {
                    out.add(requiredRequestHeader, header: .maxForwards, "the request has no Max-Forwards header")
                } else {
                    out.add(rfc2543MissingHeader, header: .maxForwards,
                            "the request has no Max-Forwards header (tolerated from an RFC 2543 element)")
                }
            }
        } else {
            for name in requiredInResponses where !m.contains(name) {
                out.add(requiredResponseHeader, header: name, "the response has no \(name.canonicalName) header")
            }
        }
    }

    /// True when the top Via has a parseable value whose branch lacks the RFC 3261 magic cookie (§8.1.1.7).
    static func isRFC2543(_ m: SIPMessage) -> Bool {
        guard let via = m.topVia else { return false }
        return !via.hasMagicCookie
    }

    static func checkMultiplicity(_ m: SIPMessage, into out: inout FindingList) {
        var seen = HeaderNameSet()
        for f in m.headers where f.name.isSingleValued && f.name != .contentLength {
            if !seen.insert(f.name) {
                out.add(singleValued, f, "\(f.name.canonicalName) appears more than once; it allows one value")
            }
        }
        var lengthCount = 0
        for f in m.headers where f.name == .contentLength { lengthCount += 1 }
        if lengthCount > 1 {
            for f in m.eachField(.contentLength).dropFirst() {
                out.add(multipleContentLength, f, "the message has \(lengthCount) Content-Length headers")
            }
        }
        if m.method == .invite {
            var contacts = m.fieldValues(.contact).makeIterator()
            if contacts.next() != nil, let second = contacts.next() {
                var count = 2
                while contacts.next() != nil { count += 1 }
                out.add(inviteSingleContact, second.field, "the INVITE has \(count) Contact values; it allows one")
            }
        }
    }
}

/// A set of header names as a 256-bit mask: the multiplicity check runs on every message, and a `Set` allocates.
struct HeaderNameSet {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Adds `name`; false if it was already in the set.
    mutating func insert(_ name: HeaderName) -> Bool {
        let bit = UInt64(1) << UInt64(name.rawValue & 63)
        let had: Bool
        switch name.rawValue >> 6 {
        case 0: had = words.0 & bit != 0; words.0 |= bit
        case 1: had = words.1 & bit != 0; words.1 |= bit
        case 2: had = words.2 & bit != 0; words.2 |= bit
        default: had = words.3 & bit != 0; words.3 |= bit
        }
        return !had
    }

    func contains(_ name: HeaderName) -> Bool {
        let bit = UInt64(1) << UInt64(name.rawValue & 63)
        switch name.rawValue >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }
}
