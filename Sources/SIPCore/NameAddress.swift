/// A `name-addr` or `addr-spec` with header parameters, as in From, To, Contact, Route, Record-Route and Reply-To
/// (RFC 3261 §20.10, §20.20, §20.39, §25.1).
public struct NameAddress: Sendable, Hashable {
    /// The display name as written: a quoted string keeps its quotes; tokens keep their inner spaces.
    public var displayName: ByteString? { displayNameRange.map { ByteString(source[$0]) } }
    /// The URI as written, without `<>`. Parse it with `parsedURI()`.
    public var uri: ByteString { ByteString(source[uriRange]) }
    /// True when the URI was enclosed in `<>`.
    public let isBracketed: Bool
    /// True for the `*` of `Contact: *` (RFC 3261 §10.2.2).
    public let isWildcard: Bool
    /// The value of the first `tag` parameter (RFC 3261 §19.3).
    ///
    /// Found while the parameters are validated, so reading it builds no parameter array.
    public var tag: ByteString? { tagRange.map { ByteString(source[$0]) } }

    /// The header parameters in order. A parsed address keeps their bytes and decodes them here, on each call.
    public var parameters: [SIPParameter] {
        storedParameters ?? ByteScanner.decodeParameters(source[parameterRange])
    }

    /// The bytes every part is a range of: the parsed value, or for an address built by `init`, its parts laid
    /// end to end. One reference for the whole value, so making, copying and dropping an address counts one
    /// reference, not one for each part.
    @usableFromInline let source: ArraySlice<UInt8>
    @usableFromInline let displayNameRange: Range<Int>?, tagRange: Range<Int>?
    @usableFromInline let uriRange: Range<Int>, parameterRange: Range<Int>
    /// The parameters given to `init`, or nil for a parsed address, whose parameters are
    /// `source[parameterRange]` (`*( SEMI generic-param )` as written, already validated by `parse`).
    @usableFromInline let storedParameters: [SIPParameter]?

    /// The first parameter with this name (case-insensitive), found without building the parameter array.
    public func parameter(named name: String) -> SIPParameter? {
        if let storedParameters { return storedParameters.first(named: name) }
        return ByteScanner.firstParameter(named: name, in: source[parameterRange])
    }

    public func parsedURI() throws(SIPSyntaxError) -> SIPURI { try SIPURI.parse(uri) }

    /// The display name without quotes and with `\` escapes resolved.
    public var unquotedDisplayName: String? {
        guard let d = displayName else { return nil }
        guard d.bytes.first == ASCII.quote, d.count >= 2 else { return d.string }
        var out: [UInt8] = []
        var i = d.bytes.startIndex + 1
        while i < d.bytes.endIndex - 1 {
            if d.bytes[i] == ASCII.backslash, i + 1 < d.bytes.endIndex - 1 { i += 1 }
            out.append(d.bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses one name-addr / addr-spec element. Throws with a sentence naming the defect.
    public static func parse(_ value: ByteString) throws(SIPSyntaxError) -> NameAddress {
        var s = ByteScanner(value)
        s.skipLWS()
        guard let first = s.peek else { throw SIPSyntaxError("the address is empty") }
        if first == 0x2A {  // "*"
            let star = s.i..<(s.i + 1)
            s.i += 1
            let (params, tag) = try scanParameters(&s, context: "the Contact '*'")
            s.skipLWS()
            guard s.atEnd else { throw SIPSyntaxError("unexpected text after '*'") }
            return NameAddress(source: value.bytes, displayNameRange: nil, uriRange: star, isBracketed: false,
                               isWildcard: true, tagRange: tag, parameterRange: params, storedParameters: nil)
        }
        // Ranges of `value.bytes` (the scanner's bytes) rather than slices: each slice would retain the storage.
        var display: Range<Int>?
        var bracketed = false
        if first == ASCII.quote {
            let quoted = try s.quotedStringRange()
            display = quoted
            s.skipLWS()
            guard s.peek == ASCII.lAngle else {
                throw SIPSyntaxError("the quoted display name \(s.text(quoted)) is not followed by <URI>")
            }
            bracketed = true
        } else if first != ASCII.lAngle, let lt = angleStart(s) {
            // Unquoted display name: tokens separated by LWS (RFC 3261 §25.1 display-name).
            let ds = s.i
            var end = lt
            while end > ds, ASCII.isLWS(value.bytes[end - 1]) { end -= 1 }
            if let k = (ds..<end).first(where: { !ASCII.isToken(value.bytes[$0]) && !ASCII.isLWS(value.bytes[$0]) }) {
                throw SIPSyntaxError("the display name '\(s.text(ds..<end))' contains '\(String(decoding: [value.bytes[k]], as: UTF8.self))' and must be quoted")
            }
            display = ds..<end
            s.i = lt
            bracketed = true
        } else if first == ASCII.lAngle {
            bracketed = true
        }
        let uri: Range<Int>
        if bracketed {
            _ = s.consume(ASCII.lAngle)
            let us = s.i
            var close = us
            while close < value.bytes.endIndex, value.bytes[close] != ASCII.rAngle { close += 1 }
            guard close < value.bytes.endIndex else {
                throw SIPSyntaxError("'<' is not closed by '>'")
            }
            uri = us..<close
            if !uri.isEmpty, ASCII.isLWS(value.bytes[us]) || ASCII.isLWS(value.bytes[close - 1]) {
                throw SIPSyntaxError("white space inside <> around the URI '\(s.text(uri).trimmingLWS)'")
            }
            s.i = close + 1
        } else {
            // addr-spec: the URI ends at the first ';' (later ones are header parameters) or white space.
            let us = s.i
            while let c = s.peek, c != ASCII.semicolon, !ASCII.isLWS(c) { s.i += 1 }
            uri = us..<s.i
            if let k = uri.first(where: { value.bytes[$0] == ASCII.question || value.bytes[$0] == ASCII.comma }) {
                throw SIPSyntaxError("the URI '\(s.text(uri))' contains '\(String(decoding: [value.bytes[k]], as: UTF8.self))' and must be enclosed in <> (RFC 3261 §20)")
            }
        }
        guard !uri.isEmpty else { throw SIPSyntaxError("the address has no URI") }
        let (params, tag) = try scanParameters(&s, context: "the address")
        s.skipLWS()
        guard s.atEnd else {
            throw SIPSyntaxError("unexpected '\(String(decoding: s.b[s.i...].prefix(20), as: UTF8.self))' after the address")
        }
        return NameAddress(source: value.bytes, displayNameRange: display, uriRange: uri,
                           isBracketed: bracketed, isWildcard: false, tagRange: tag, parameterRange: params,
                           storedParameters: nil)
    }

    /// Validates the parameters, returning where they lie and where the first `tag` value lies.
    static func scanParameters(_ s: inout ByteScanner, context: String) throws(SIPSyntaxError)
        -> (Range<Int>, Range<Int>?) {
        let start = s.i
        var tag: Range<Int>?, sawTag = false
        let bytes = s.b
        try s.scanParameters(context: context) { name, value in
            if !sawTag, ByteScanner.equalsLower(bytes, name, "tag") { sawTag = true; tag = value }
        }
        return (start..<s.i, tag)
    }

    /// The index of a `<` that starts a name-addr after an unquoted display name, if any.
    static func angleStart(_ s: ByteScanner) -> Int? {
        var i = s.i
        while i < s.b.endIndex {
            let c = s.b[i]
            if c == ASCII.lAngle { return i }
            if c == ASCII.semicolon || c == ASCII.quote { return nil }
            i += 1
        }
        return nil
    }

    public init(displayName: ByteString?, uri: ByteString, isBracketed: Bool, parameters: [SIPParameter], isWildcard: Bool) {
        var bytes: [UInt8] = []
        func append(_ b: ByteString) -> Range<Int> {
            let start = bytes.count
            bytes.append(contentsOf: b.bytes)
            return start..<bytes.count
        }
        let display = displayName.map(append), uriRange = append(uri)
        let tag = parameters.first(named: "tag")?.value.map(append)
        self.init(source: bytes[...], displayNameRange: display, uriRange: uriRange, isBracketed: isBracketed,
                  isWildcard: isWildcard, tagRange: tag, parameterRange: bytes.count..<bytes.count,
                  storedParameters: parameters)
    }

    init(source: ArraySlice<UInt8>, displayNameRange: Range<Int>?, uriRange: Range<Int>, isBracketed: Bool,
         isWildcard: Bool, tagRange: Range<Int>?, parameterRange: Range<Int>, storedParameters: [SIPParameter]?) {
        self.source = source
        self.displayNameRange = displayNameRange
        self.uriRange = uriRange
        self.isBracketed = isBracketed
        self.isWildcard = isWildcard
        self.tagRange = tagRange
        self.parameterRange = parameterRange
        self.storedParameters = storedParameters
    }

    /// Equal when every part and the decoded parameters are equal, however the parameters were spaced.
    public static func == (a: NameAddress, b: NameAddress) -> Bool {
        a.displayName == b.displayName && a.uri == b.uri && a.isBracketed == b.isBracketed
            && a.parameters == b.parameters && a.isWildcard == b.isWildcard
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(displayName)
        hasher.combine(uri)
        hasher.combine(isBracketed)
        hasher.combine(parameters)
        hasher.combine(isWildcard)
    }
}

extension String {
    var trimmingLWS: String {
        String(decoding: ByteString(self).trimmed.bytes, as: UTF8.self)
    }
}
