import SIPCore

/// Rules for the numeric and scalar headers: CSeq, Content-Length, Max-Forwards, Expires, Date (RFC 3261 §20).
enum ValueRules {
    /// RFC 3261 §20.16, §8.1.1.5: `CSeq = 1*DIGIT LWS Method`, the number below 2**31.
    static let cseqSyntax = Rule(
        "rfc3261.20.16.cseq-syntax", .error, "RFC 3261 §20.16, §8.1.1.5",
        "CSeq is a sequence number below 2**31 followed by a method.")
    /// RFC 3261 §8.1.1.5: the CSeq method of a request matches the Request-Line method (case-sensitive).
    static let cseqMethod = Rule(
        "rfc3261.8.1.1.5.cseq-method", .error, "RFC 3261 §8.1.1.5",
        "The CSeq method of a request equals the Request-Line method, case-sensitively.")
    /// RFC 3261 §20.14: Content-Length gives the size of the body in octets.
    static let contentLengthValue = Rule(
        "rfc3261.20.14.content-length-value", .error, "RFC 3261 §20.14",
        "Content-Length equals the number of octets in the body.")
    /// RFC 3261 §20.22: `Max-Forwards = 1*DIGIT`, 0 to 255 (§8.1.1.6).
    static let maxForwardsSyntax = Rule(
        "rfc3261.20.22.max-forwards-syntax", .error, "RFC 3261 §20.22",
        "Max-Forwards is an integer from 0 to 255.")
    /// RFC 3261 §16.3 step 2, RFC 4475 §3.3.11: a proxy answers Max-Forwards 0 with 483; a UAS may process it.
    static let maxForwardsZero = Rule(
        "rfc3261.16.3.max-forwards-zero", .warning, "RFC 3261 §16.3",
        "Max-Forwards is above zero; at zero a proxy answers 483 (Too Many Hops) instead of forwarding.")
    /// RFC 3261 §20.19, §20.23, §20.33, §20.10, §25.1: delta-seconds are decimal and at most 2**32-1.
    static let deltaSeconds = Rule(
        "rfc3261.25.1.delta-seconds", .error, "RFC 3261 §25.1, §20.19, §20.23, §20.33",
        "Expires, Min-Expires, Retry-After and the Contact expires parameter are decimal seconds up to 2**32-1.")
    /// RFC 3261 §20.17: `Date = rfc1123-date`, always in GMT.
    static let dateGMT = Rule(
        "rfc3261.20.17.date-format", .error, "RFC 3261 §20.17",
        "Date is an RFC 1123 date in GMT, e.g. 'Sat, 13 Nov 2010 23:29:00 GMT'.")

    static let all: [Rule] = [cseqSyntax, cseqMethod, contentLengthValue, maxForwardsSyntax, maxForwardsZero,
                              deltaSeconds, dateGMT]

    static let maxDeltaSeconds: UInt64 = 4_294_967_295

    static func check(_ m: SIPMessage, into out: inout FindingList) {
        for f in m.eachField(.cseq) where !out.copies.contains(f) {
            do {
                let c = try CSeq.parse(m.value(of: f))
                if let method = m.method, c.method.rawValue != method.rawValue {
                    out.add(cseqMethod, f, "the CSeq method \(c.method) differs from the request method \(method)")
                }
            } catch {
                out.add(cseqSyntax, f, error.message)
            }
        }
        checkContentLength(m, into: &out)
        for f in m.eachField(.maxForwards) {
            let v = m.value(of: f).trimmed
            guard let n = v.decimalValue, n <= 255 else {
                out.add(maxForwardsSyntax, f, "Max-Forwards '\(v.string.prefix(40))' is not an integer from 0 to 255")
                continue
            }
            if n == 0 { out.add(maxForwardsZero, f, "Max-Forwards is 0: a proxy answers 483 instead of forwarding") }
        }
        for f in m.headers where f.name == .expires || f.name == .minExpires || f.name == .retryAfter {
            checkDeltaSeconds(m.value(of: f), f.name.canonicalName, f, into: &out)
        }
        for (f, v) in m.fieldValues(.contact) where mentionsExpires(v) {
            guard let a = try? NameAddress.parse(v), let e = a.parameter(named: "expires") else { continue }
            checkDeltaSeconds(e.value ?? "", "the Contact expires parameter", f, into: &out)
        }
        for f in m.eachField(.date) where !isRFC1123GMT(m.value(of: f).string) {
            out.add(dateGMT, f, "Date '\(m.value(of: f).string.prefix(60))' is not an RFC 1123 date in GMT")
        }
    }

    static func checkContentLength(_ m: SIPMessage, into out: inout FindingList) {
        // When the declared length exceeds the datagram, the parse rule already says so.
        if m.issues.contains(where: { $0.kind == .contentLengthExceedsBody }) { return }
        for f in m.eachField(.contentLength) {
            guard let n = m.value(of: f).trimmed.decimalValue else { continue }  // syntax: a parse rule
            if n != UInt64(m.body.count) {
                out.add(contentLengthValue, f, "Content-Length is \(n) but the body has \(m.body.count) octets")
            }
        }
    }

    /// Whether `expires` occurs in the value, in any case: a value without it has no expires parameter, so it
    /// need not be parsed for one.
    static func mentionsExpires(_ value: ByteString) -> Bool {
        let b = value.bytes, n = 7  // "expires"
        guard b.count >= n else { return false }
        var i = b.startIndex
        while i <= b.endIndex - n {
            if ASCII.lower(b[i]) == 0x65, ByteString(b[i..<(i + n)]).equalsIgnoringCase("expires") { return true }
            i += 1
        }
        return false
    }

    /// `delta-seconds [anything after white space, '(' or ';']`: Retry-After allows a comment and parameters.
    static func checkDeltaSeconds(_ value: ByteString, _ what: String, _ f: SIPHeaderField, into out: inout FindingList) {
        let v = value.trimmed.bytes
        let digitsEnd = v.firstIndex(where: { !ASCII.isDigit($0) }) ?? v.endIndex
        let digits = ByteString(v[v.startIndex..<digitsEnd])
        let restOK = digitsEnd == v.endIndex || [ASCII.sp, ASCII.ht, ASCII.semicolon, 0x28].contains(v[digitsEnd])
        var shown: String { String(value.trimmed.string.prefix(40)) }
        guard !digits.isEmpty, restOK else {
            out.add(deltaSeconds, f, "\(what) '\(shown)' is not a number of seconds")
            return
        }
        guard let n = digits.decimalValue, n <= maxDeltaSeconds else {
            out.add(deltaSeconds, f, "\(what) '\(shown)' exceeds 2**32-1 seconds")
            return
        }
    }

    /// RFC 1123 date as RFC 3261 §25.1 spells it: `wkday "," SP 2DIGIT SP month SP 4DIGIT SP hh:mm:ss SP "GMT"`.
    static func isRFC1123GMT(_ text: String) -> Bool {
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = text.trimming(" \t").split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","),
              days.contains(String(parts[0].dropLast())),
              parts[1].count == 2, parts[1].allSatisfy(\.isASCIIDigitChar),
              months.contains(String(parts[2])),
              parts[3].count == 4, parts[3].allSatisfy(\.isASCIIDigitChar),
              parts[5] == "GMT" else { return false }
        let time = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 3, time.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigitChar) }),
              let day = Int(parts[1]), let h = Int(time[0]), let mi = Int(time[1]), let s = Int(time[2]) else { return false }
        return (1...31).contains(day) && h < 24 && mi < 60 && s <= 60  // 60: a leap second
    }
}

extension Character {
    var isASCIIDigitChar: Bool { isASCII && isNumber }
}

extension String {
    /// The string without leading and trailing characters from `set`.
    func trimming(_ set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
