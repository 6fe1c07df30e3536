import SIPCore

/// Rules for the name-addr headers: From, To, Contact, Route, Record-Route, Reply-To (RFC 3261 §20, §25.1).
enum AddressRules {
    static let fromSyntax = syntaxRule("rfc3261.20.20.from-syntax", "From", "§20.20")
    static let toSyntax = syntaxRule("rfc3261.20.39.to-syntax", "To", "§20.39")
    static let contactSyntax = syntaxRule("rfc3261.20.10.contact-syntax", "Contact", "§20.10")
    static let routeSyntax = syntaxRule("rfc3261.20.34.route-syntax", "Route", "§20.34")
    static let recordRouteSyntax = syntaxRule("rfc3261.20.30.record-route-syntax", "Record-Route", "§20.30")
    static let replyToSyntax = syntaxRule("rfc3261.20.31.reply-to-syntax", "Reply-To", "§20.31")
    /// RFC 3261 §8.1.1.3: the UAC adds a tag to From; RFC 2543 elements may not.
    static let fromTag = Rule(
        "rfc3261.8.1.1.3.from-tag", .warning, "RFC 3261 §8.1.1.3",
        "The From header of a request has a tag parameter (RFC 2543 elements may omit it).")
    /// RFC 4475 §3.3.14, RFC 3261 §19.1.5: URI headers in a REGISTER Contact are data, never a route to follow.
    static let registerContactHeaders = Rule(
        "rfc4475.3.3.14.register-contact-uri-headers", .warning, "RFC 4475 §3.3.14, RFC 3261 §19.1.5",
        "A REGISTER Contact URI carries no URI headers; if it does, a registrar stores them and never uses them as a Route.")

    /// RFC 3261 §10.2.2, §20.10: `Contact: *` is only for removing all bindings: REGISTER, alone, Expires 0.
    static let contactWildcard = Rule(
        "rfc3261.10.2.2.contact-wildcard", .error, "RFC 3261 §10.2.2",
        "'Contact: *' appears only in a REGISTER, as the only Contact value, with Expires: 0.")

    static let all: [Rule] = [fromSyntax, toSyntax, contactSyntax, routeSyntax, recordRouteSyntax, replyToSyntax,
                              fromTag, registerContactHeaders, contactWildcard]

    static func syntaxRule(_ id: String, _ header: String, _ section: String) -> Rule {
        Rule(id, .error, "RFC 3261 \(section), §25.1",
             "Each \(header) value is a name-addr or addr-spec whose sip/sips URI follows the URI grammar (other schemes are legal).")
    }

    /// Whether the header holds name-addr values (those `syntaxRule(for:)` has a rule for).
    static func isAddress(_ name: HeaderName) -> Bool {
        switch name {
        case .from, .to, .contact, .route, .recordRoute, .replyTo: true
        default: false
        }
    }

    /// The syntax rule for a name-addr header, or nil for other headers.
    static func syntaxRule(for name: HeaderName) -> Rule? {
        switch name {
        case .from: fromSyntax
        case .to: toSyntax
        case .contact: contactSyntax
        case .route: routeSyntax
        case .recordRoute: recordRouteSyntax
        case .replyTo: replyToSyntax
        default: nil
        }
    }

    /// What the Contact rules need of a message's Contact values, gathered in the one pass: a count and the first
    /// `*` rather than an array of every value, and only for a REGISTER the URIs with URI headers.
    struct Contacts {
        var count = 0
        /// The first `*` value's field.
        var wildcard: SIPHeaderField?
        /// The Contact URIs carrying URI headers, with their fields (kept for a REGISTER only).
        var withURIHeaders: [(field: SIPHeaderField, uri: SIPURI)] = []
    }

    /// One pass over the headers: each address value is parsed once.
    static func check(_ m: SIPMessage, into out: inout FindingList) {
        var contacts = Contacts()
        let isRegister = m.method == .register
        var sawFrom = false, sawTo = false
        for f in m.headers {
            guard isAddress(f.name) else { continue }  // (the rule itself is only fetched to report)
            if out.copies.contains(f) {  // a response's From or To as the request had it (the tag rule is for requests)
                if f.name == .from { sawFrom = true }
                if f.name == .to { sawTo = true }
                continue
            }
            // The request's To with a token tag added: well formed if the request's was, which is the UAC's doing.
            if f.name == .to, out.copies.isToWithAddedTag(f) {
                sawTo = true
                continue
            }
            let value = m.value(of: f)
            var reported = false  // one finding per header line
            // The elements of a list value, without building an array for the usual single one.
            var next: Int? = value.bytes.startIndex
            while let start = next {
                let v: ByteString
                if !f.name.isList {
                    (v, next) = (value, nil)
                } else if start == value.bytes.startIndex, !HeaderList.hasComma(value.bytes) {
                    (v, next) = (value.trimmed, nil)
                } else {
                    (v, next) = HeaderList.element(of: value, from: start)
                }
                // A To or Contact found well formed before gives no finding now (a REGISTER's Contact has a
                // rule of its own); the exchange rules then parse the To themselves.
                let memoized = !isRegister && (f.name == .to || f.name == .contact)
                if memoized, out.memo.isClean(v, f.name) {
                    if f.name == .contact { contacts.count += 1 }
                    sawTo = sawTo || f.name == .to
                    continue
                }
                let (address, problem) = examine(v, in: f.name)
                // Not a wildcard, and not a To with a tag: a tag belongs to one dialog and is not met again, and
                // keeping it would push out the To of the next initial request.
                if memoized, problem == nil, let address, !address.isWildcard, f.name != .to || address.tag == nil {
                    out.memo.keep(v, f.name)
                }
                if f.name == .to, !sawTo {
                    out.firstTo = (f, address)
                    sawTo = true
                }
                if let problem, !reported, let rule = syntaxRule(for: f.name) {
                    out.add(rule, f, problem)
                    reported = true
                }
                if f.name == .contact {
                    contacts.count += 1
                    if contacts.wildcard == nil, address?.isWildcard == true { contacts.wildcard = f }
                    // A REGISTER's well-formed sip/sips Contact URI is built for its URI headers (examine only
                    // validated it; the parse cannot fail then).
                    if isRegister, problem == nil, let address, !address.isWildcard,
                       let uri = try? address.parsedURI(), uri.isSIP, !uri.headers.isEmpty {
                        contacts.withURIHeaders.append((f, uri))
                    }
                }
                if f.name == .from, !sawFrom, m.isRequest, let address, address.tag == nil {
                    out.add(fromTag, f, "the From header has no tag (an RFC 2543 element)")
                }
            }
            if f.name == .from { sawFrom = true }
        }
        checkWildcard(m, contacts, into: &out)
        for (field, uri) in contacts.withURIHeaders {
            let names = uri.headers.map(\.name.string).joined(separator: ", ")
            out.add(registerContactHeaders, field,
                    "the Contact URI carries URI headers (\(names)); they must not become part of a route")
        }
    }

    static func checkWildcard(_ m: SIPMessage, _ contacts: Contacts, into out: inout FindingList) {
        guard let star = contacts.wildcard else { return }
        if m.isResponse { return }  // responses do not carry '*'; a REGISTER 2xx lists bindings (exchange rule)
        if m.method != .register {
            out.add(contactWildcard, star, "'Contact: *' appears in a \(m.method?.rawValue ?? "") request; only REGISTER allows it")
        } else if contacts.count > 1 {
            out.add(contactWildcard, star, "'Contact: *' is combined with \(contacts.count - 1) other Contact values")
        } else if m.expires != 0 {
            out.add(contactWildcard, star, "'Contact: *' needs Expires: 0 to remove all bindings")
        }
    }

    /// One address value parsed: the address when it parses, and a sentence saying what is wrong, or nil when the
    /// value is well formed. A sip/sips URI is validated, not built.
    static func examine(_ value: ByteString, in name: HeaderName) -> (NameAddress?, String?) {
        let a: NameAddress
        do { a = try NameAddress.parse(value) } catch { return (nil, "\(name.canonicalName): \(error.message)") }
        if a.isWildcard {
            return (a, name == .contact ? nil : "\(name.canonicalName) cannot be '*'")
        }
        if name == .route || name == .recordRoute, !a.isBracketed {
            return (a, "the \(name.canonicalName) value '\(a.uri)' is not enclosed in <> (a name-addr is required)")
        }
        guard let colon = a.uri.bytes.firstIndex(of: ASCII.colon) else {
            return (a, "the \(name.canonicalName) URI '\(a.uri)' has no scheme")
        }
        let scheme = ByteString(a.uri.bytes[a.uri.bytes.startIndex..<colon])
        // Other schemes are legal in these headers (RFC 4475 §3.3.4).
        guard scheme.equalsLowercase("sip") || scheme.equalsLowercase("sips") else { return (a, nil) }
        do {
            try SIPURI.validate(a.uri)
            return (a, nil)
        } catch {
            return (a, "the \(name.canonicalName) URI is malformed: \(error.message)")
        }
    }
}
