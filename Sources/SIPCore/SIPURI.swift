/// A URI as found in a Request-URI or a name-addr (RFC 3261 §19.1; tel: RFC 3966; others RFC 3986 absoluteURI).
///
/// `sip:` and `sips:` URIs are split into user, password, host, port, parameters and headers, all still
/// %-escaped as written. Other schemes keep everything after the colon in `opaque`.
public struct SIPURI: Sendable, Hashable, CustomStringConvertible {
    public let raw: ByteString
    public let scheme: ByteString
    public let user: ByteString?
    public let password: ByteString?
    public let host: ByteString?
    public let port: Int?
    public let parameters: [SIPParameter]
    public let headers: [SIPParameter]
    /// For schemes other than sip/sips: the text after `scheme:`. For tel: the number.
    public let opaque: ByteString?

    public var description: String { raw.string }

    public var isSIP: Bool { scheme.equalsIgnoringCase("sip") || scheme.equalsIgnoringCase("sips") }
    public var isSIPS: Bool { scheme.equalsIgnoringCase("sips") }
    public var isTel: Bool { scheme.equalsIgnoringCase("tel") }

    /// Parses and validates a URI. Throws with a sentence naming the defect.
    public static func parse(_ text: ByteString) throws(SIPSyntaxError) -> SIPURI {
        try scan(text, build: true)!
    }

    /// Validates a URI as `parse` does, with the same errors, without building the value (no parameter or header
    /// arrays, no parts): for the conformance rules, which only ask whether a URI is well formed.
    public static func validate(_ text: ByteString) throws(SIPSyntaxError) {
        if isPlainSIP(text) { return }
        _ = try scan(text, build: false)
    }

    /// Whether `text` is a sip or sips URI of the plain shape `[user@]host[:port]*(;name[=value])`: no escapes,
    /// password, IPv6 reference or headers, and only `unreserved` and `&=+$,` in the user. One pass over a buffer
    /// that checks a subset of what `parse` checks, so `parse` accepts every URI it accepts (with no headers);
    /// anything else answers false and must be parsed to be judged. Most URIs a load test sees are plain.
    public static func isPlainSIP(_ text: ByteString) -> Bool {
        text.bytes.withUnsafeBufferPointer { p in
            let n = p.count
            var i: Int
            if n > 4, ASCII.lower(p[0]) == 0x73, ASCII.lower(p[1]) == 0x69, ASCII.lower(p[2]) == 0x70 {  // "sip"
                if p[3] == ASCII.colon {
                    i = 4
                } else if ASCII.lower(p[3]) == 0x73, n > 5, p[4] == ASCII.colon {
                    i = 5
                } else {
                    return false
                }
            } else {
                return false
            }
            // userinfo: the bytes before an '@' met ahead of any ';' (no other '@' passes the checks below).
            var at = i
            while at < n, p[at] != ASCII.at, p[at] != ASCII.semicolon { at += 1 }
            if at < n, p[at] == ASCII.at {
                guard at > i else { return false }
                while i < at {
                    guard isPlainUserChar(p[i]) else { return false }
                    i += 1
                }
                i += 1
            }
            // host: the bytes parse's host scan takes, and a valid host name.
            let hs = i
            while i < n, ASCII.isHostChar(p[i]) { i += 1 }  // alphanum, '-', '.': parse's host scan
            guard i > hs, isHostName(UnsafeBufferPointer(rebasing: p[hs..<i])) else { return false }
            if i < n, p[i] == ASCII.colon {
                i += 1
                let ps = i
                var v = 0
                while i < n, ASCII.isDigit(p[i]) { v = min(v * 10 + Int(p[i] - 48), 1_000_000); i += 1 }
                guard i > ps, v <= 65535 else { return false }
            }
            // parameters: a non-empty name and an optional value, each of paramchar without escapes.
            while i < n {
                guard p[i] == ASCII.semicolon else { return false }
                i += 1
                let ns = i
                while i < n, p[i] != ASCII.semicolon, p[i] != ASCII.equals {
                    guard isParamChar(p[i]) else { return false }
                    i += 1
                }
                guard i > ns else { return false }
                if i < n, p[i] == ASCII.equals {
                    i += 1
                    while i < n, p[i] != ASCII.semicolon {
                        guard isParamChar(p[i]) else { return false }
                        i += 1
                    }
                }
            }
            return true
        }
    }

    /// `unreserved` and `&=+$,`: user characters that neither end the user part nor start an escape.
    static func isPlainUserChar(_ c: UInt8) -> Bool { passwordFlags.utf8Start[Int(c)] == 0x31 }

    /// The one parser behind `parse` and `validate`: every check runs either way; the value is built (and
    /// returned) only when `build` is true.
    static func scan(_ text: ByteString, build: Bool) throws(SIPSyntaxError) -> SIPURI? {
        let b = text.bytes
        guard let colon = b.firstIndex(of: ASCII.colon), colon > b.startIndex else {
            throw SIPSyntaxError("'\(text)' has no URI scheme")
        }
        let scheme = b[b.startIndex..<colon]
        guard ASCII.isAlpha(scheme.first!),
              scheme.allSatisfy({ ASCII.isAlpha($0) || ASCII.isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { throw SIPSyntaxError("'\(String(decoding: scheme, as: UTF8.self))' is not a valid URI scheme") }
        if let ws = b.firstIndex(where: { ASCII.isLWS($0) }) {
            _ = ws
            throw SIPSyntaxError("the URI '\(text)' contains white space")
        }
        let rest = b[(colon + 1)...]
        let schemeBytes = ByteString(scheme)
        let schemeRange = b.startIndex..<colon  // compared byte by byte: no String walk on every URI
        if ByteScanner.equalsLower(b, schemeRange, "sip") || ByteScanner.equalsLower(b, schemeRange, "sips") {
            return try parseSIP(text, scheme: schemeBytes, rest, build: build)
        }
        guard !rest.isEmpty else { throw SIPSyntaxError("the URI '\(text)' has nothing after its scheme") }
        if let bad = rest.first(where: { $0 < 0x21 || $0 == ASCII.lAngle || $0 == ASCII.rAngle || $0 == ASCII.quote || $0 == 0x7F }) {
            throw SIPSyntaxError("the URI '\(text)' contains the character 0x\(String(bad, radix: 16))")
        }
        var params: [SIPParameter] = []
        var opaque = rest
        if ByteScanner.equalsLower(b, schemeRange, "tel") {
            let semi = rest.firstIndex(of: ASCII.semicolon) ?? rest.endIndex
            opaque = rest[rest.startIndex..<semi]
            params = try uriParameters(rest[semi...], uri: text, build: build)
            guard !opaque.isEmpty else { throw SIPSyntaxError("the tel URI '\(text)' has no number") }
        }
        guard build else { return nil }
        return SIPURI(raw: text, scheme: schemeBytes, user: nil, password: nil, host: nil, port: nil,
                      parameters: params, headers: [], opaque: ByteString(opaque))
    }

    static func parseSIP(_ text: ByteString, scheme: ByteString, _ rest: ArraySlice<UInt8>,
                         build: Bool) throws(SIPSyntaxError) -> SIPURI? {
        // userinfo ends at the last '@': neither host, parameters nor headers may hold a bare '@' (§25.1).
        var hostStart = rest.startIndex
        var user: ArraySlice<UInt8>?
        var password: ArraySlice<UInt8>?
        if let at = rest.lastIndex(of: ASCII.at) {
            let userinfo = rest[rest.startIndex..<at]
            hostStart = at + 1
            if let c = userinfo.firstIndex(of: ASCII.colon) {
                user = userinfo[userinfo.startIndex..<c]
                password = userinfo[(c + 1)...]
            } else {
                user = userinfo
            }
            guard let u = user, !u.isEmpty else { throw SIPSyntaxError("the URI '\(text)' has an empty user part") }
            try checkEscaped(u, allowed: isUserChar, what: "user part", uri: text)
            if let pw = password { try checkEscaped(pw, allowed: isPasswordChar, what: "password", uri: text) }
        }
        let tail = rest[hostStart...]
        var hostEnd = tail.startIndex
        if tail.first == ASCII.lBracket {
            guard let close = tail.firstIndex(of: ASCII.rBracket) else {
                throw SIPSyntaxError("the IPv6 reference in '\(text)' has no closing ']'")
            }
            let inner = tail[(tail.startIndex + 1)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ ASCII.isHex($0) || $0 == ASCII.colon || $0 == 0x2E }) else {
                throw SIPSyntaxError("'\(String(decoding: tail[tail.startIndex...close], as: UTF8.self))' is not an IPv6 reference")
            }
            hostEnd = close + 1
        } else {
            while hostEnd < tail.endIndex, ASCII.isAlpha(tail[hostEnd]) || ASCII.isDigit(tail[hostEnd])
                || tail[hostEnd] == 0x2D || tail[hostEnd] == 0x2E { hostEnd += 1 }
        }
        let host = tail[tail.startIndex..<hostEnd]
        guard !host.isEmpty else { throw SIPSyntaxError("the URI '\(text)' has no host") }
        if host.first != ASCII.lBracket, !isHostName(host) {
            throw SIPSyntaxError("'\(String(decoding: host, as: UTF8.self))' is not a valid host name")
        }
        var i = hostEnd
        var port: Int?
        if i < tail.endIndex, tail[i] == ASCII.colon {
            i += 1
            let ps = i
            var v = 0
            while i < tail.endIndex, ASCII.isDigit(tail[i]) { v = min(v * 10 + Int(tail[i] - 48), 1_000_000); i += 1 }
            guard i > ps, v <= 65535 else {
                throw SIPSyntaxError("the port in '\(text)' is not a number from 0 to 65535")
            }
            port = v
        }
        let q = tail[i...].firstIndex(of: ASCII.question) ?? tail.endIndex
        if i < tail.endIndex, tail[i] != ASCII.semicolon, tail[i] != ASCII.question {
            throw SIPSyntaxError("unexpected '\(String(decoding: tail[i...i], as: UTF8.self))' after the host in '\(text)'")
        }
        let params = try uriParameters(tail[i..<q], uri: text, build: build)
        var headers: [SIPParameter] = []
        if q < tail.endIndex {
            // The '&'-separated headers, empty ones included, without splitting into an array.
            let hs = tail[(q + 1)...]
            var start = hs.startIndex
            while true {
                let end = hs[start...].firstIndex(of: ASCII.ampersand) ?? hs.endIndex
                let h = hs[start..<end]
                guard let eq = h.firstIndex(of: ASCII.equals), eq > h.startIndex else {
                    throw SIPSyntaxError("the URI header '\(String(decoding: h, as: UTF8.self))' in '\(text)' is not name=value")
                }
                let name = h[h.startIndex..<eq], value = h[(eq + 1)...]
                try checkEscaped(name, allowed: isHeaderChar, what: "header name", uri: text)
                try checkEscaped(value, allowed: isHeaderChar, what: "header value", uri: text)
                if build { headers.append(SIPParameter(name: ByteString(name), value: ByteString(value))) }
                if end == hs.endIndex { break }
                start = end + 1
            }
        }
        guard build else { return nil }
        return SIPURI(raw: text, scheme: scheme, user: user.map(ByteString.init), password: password.map(ByteString.init),
                      host: ByteString(host), port: port, parameters: params, headers: headers, opaque: nil)
    }

    static func uriParameters(_ s: ArraySlice<UInt8>, uri: ByteString, build: Bool = true) throws(SIPSyntaxError)
        -> [SIPParameter] {
        guard !s.isEmpty else { return [] }
        var out: [SIPParameter] = []
        // The ';'-separated parameters after the first ';', empty ones included, without splitting into an array.
        let all = s.dropFirst()
        var start = all.startIndex
        while true {
            let end = all[start...].firstIndex(of: ASCII.semicolon) ?? all.endIndex
            let part = all[start..<end]
            let eq = part.firstIndex(of: ASCII.equals)
            let name = part[part.startIndex..<(eq ?? part.endIndex)]
            guard !name.isEmpty else { throw SIPSyntaxError("the URI '\(uri)' has an empty parameter") }
            try checkEscaped(name, allowed: isParamChar, what: "parameter name", uri: uri)
            var value: ArraySlice<UInt8>?
            if let eq {
                value = part[(eq + 1)...]
                try checkEscaped(value!, allowed: isParamChar, what: "parameter value", uri: uri)
            }
            if build { out.append(SIPParameter(name: ByteString(name), value: value.map(ByteString.init))) }
            if end == all.endIndex { break }
            start = end + 1
        }
        return out
    }

    static func checkEscaped(_ s: ArraySlice<UInt8>, allowed: (UInt8) -> Bool, what: String, uri: ByteString) throws(SIPSyntaxError) {
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == ASCII.percent {
                guard i + 2 < s.endIndex, ASCII.isHex(s[i + 1]), ASCII.isHex(s[i + 2]) else {
                    throw SIPSyntaxError("the \(what) in '\(uri)' has a '%' not followed by two hex digits")
                }
                i += 3
                continue
            }
            guard allowed(c) else {
                throw SIPSyntaxError("the \(what) in '\(uri)' contains '\(String(decoding: [c], as: UTF8.self))', which must be %-escaped")
            }
            i += 1
        }
    }

    /// RFC 3261 §25.1 `hostname` / `IPv4address`: dot-separated labels of alphanum and '-', not starting or
    /// ending with '-'; a final '.' is allowed.
    /// A loop over the bytes: splitting into an array of labels cost an allocation on every Via.
    static func isHostName(_ host: ArraySlice<UInt8>) -> Bool {
        host.withUnsafeBufferPointer { isHostName($0) }  // over a buffer: no bounds check a byte
    }

    static func isHostName(_ host: UnsafeBufferPointer<UInt8>) -> Bool {
        var end = host.endIndex
        if end > host.startIndex, host[end - 1] == 0x2E { end -= 1 }  // "example.com." (a lone "." stays invalid)
        var labelStart = host.startIndex
        var i = host.startIndex
        while true {
            if i == end || host[i] == 0x2E {
                guard i > labelStart, host[labelStart] != 0x2D, host[i - 1] != 0x2D else { return false }
                if i == end { return true }
                labelStart = i + 1
            }
            i += 1
        }
    }

    /// RFC 3261 §25.1 `unreserved`: alphanum and `-_.!~*'()`.
    static func isUnreserved(_ c: UInt8) -> Bool {
        ASCII.isAlpha(c) || ASCII.isDigit(c) || "-_.!~*'()".utf8.contains(c)
    }
    // The classes below are `unreserved` plus the characters named, as 256-entry tables (one load a byte, like
    // `ASCII.isToken`): searching a String's UTF-8 for each byte of each URI was a tenth of the conformance checks.
    // ByteClassTests holds each table to its definition.
    /// `unreserved` and `&=+$,;?/` (RFC 3261 §25.1 `user`).
    static func isUserChar(_ c: UInt8) -> Bool { userFlags.utf8Start[Int(c)] == 0x31 }
    /// `unreserved` and `&=+$,` (RFC 3261 §25.1 `password`).
    static func isPasswordChar(_ c: UInt8) -> Bool { passwordFlags.utf8Start[Int(c)] == 0x31 }
    /// `unreserved` and `[]/:&+$` (RFC 3261 §25.1 `paramchar`).
    static func isParamChar(_ c: UInt8) -> Bool { paramFlags.utf8Start[Int(c)] == 0x31 }
    /// `unreserved` and `[]/?:+$` (RFC 3261 §25.1 `hnv-unreserved` / `unreserved`).
    static func isHeaderChar(_ c: UInt8) -> Bool { headerFlags.utf8Start[Int(c)] == 0x31 }

    static var userFlags: StaticString {
        "0000000000000000000000000000000001001011111111111111111111010101011111111111111111111111111000010111111111111111111111111110001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
    static var passwordFlags: StaticString {
        "0000000000000000000000000000000001001011111111101111111111000100011111111111111111111111111000010111111111111111111111111110001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
    static var paramFlags: StaticString {
        "0000000000000000000000000000000001001011111101111111111111100000011111111111111111111111111101010111111111111111111111111110001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
    static var headerFlags: StaticString {
        "0000000000000000000000000000000001001001111101111111111111100001011111111111111111111111111101010111111111111111111111111110001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }

    /// The URI parameter with this name (case-insensitive); an empty value if present without `=`.
    public func parameter(_ name: String) -> ByteString? { parameters.value(named: name) }
}
