/// A cursor over header-value bytes used by the typed header parsers (RFC 3261 §25.1 grammar helpers).
@usableFromInline
struct ByteScanner {
    @usableFromInline let b: ArraySlice<UInt8>
    @usableFromInline var i: Int

    @inlinable init(_ value: ByteString) {
        b = value.bytes
        i = b.startIndex
    }

    @inlinable var atEnd: Bool { i >= b.endIndex }
    @inlinable var peek: UInt8? { i < b.endIndex ? b[i] : nil }
    @inlinable var rest: ByteString { ByteString(b[i...]) }

    @inlinable func text(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }

    /// Skips linear white space, including the CR/LF of folded lines.
    @inlinable mutating func skipLWS() {
        while i < b.endIndex, ASCII.isLWS(b[i]) { i += 1 }
    }

    @inlinable mutating func consume(_ c: UInt8) -> Bool {
        if i < b.endIndex, b[i] == c { i += 1; return true }
        return false
    }

    /// Consumes `c` with optional white space around it (RFC 3261 SEMI, EQUAL, SLASH, COLON).
    @inlinable mutating func consumeSeparator(_ c: UInt8) -> Bool {
        let save = i
        skipLWS()
        if consume(c) { skipLWS(); return true }
        i = save
        return false
    }

    @inlinable mutating func take(while pred: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let s = i
        while i < b.endIndex, pred(b[i]) { i += 1 }
        return b[s..<i]
    }

    @inlinable mutating func token() -> ArraySlice<UInt8> { take(while: ASCII.isToken) }

    /// Like `take(while:)`, but returns where the bytes lie rather than a slice (which would retain the storage).
    @inlinable mutating func skip(while pred: (UInt8) -> Bool) -> Range<Int> {
        let s = i
        while i < b.endIndex, pred(b[i]) { i += 1 }
        return s..<i
    }

    /// A quoted-string, returned with its quotes. Throws if the closing quote is missing.
    mutating func quotedString() throws(SIPSyntaxError) -> ArraySlice<UInt8> {
        b[try quotedStringRange()]
    }

    /// Where the quoted-string at the cursor lies, with its quotes. Throws if the closing quote is missing.
    mutating func quotedStringRange() throws(SIPSyntaxError) -> Range<Int> {
        let s = i
        guard consume(ASCII.quote) else { throw SIPSyntaxError("expected a quoted string") }
        while i < b.endIndex {
            let c = b[i]
            if c == ASCII.backslash {
                guard i + 1 < b.endIndex else { break }
                i += 2
                continue
            }
            i += 1
            if c == ASCII.quote { return s..<i }
        }
        throw SIPSyntaxError("the quoted string \(text(s..<min(b.endIndex, s + 30))) has no closing quote")
    }

    /// `*( SEMI generic-param )` (RFC 3261 §25.1): `token [ EQUAL ( token / host / quoted-string ) ]`.
    mutating func parameters(context: String) throws(SIPSyntaxError) -> [SIPParameter] {
        var out: [SIPParameter] = []
        let bytes = b
        try scanParameters(context: context) { name, value in
            out.append(SIPParameter(name: ByteString(bytes[name]), value: value.map { ByteString(bytes[$0]) }))
        }
        return out
    }

    /// Validates `*( SEMI generic-param )` as `parameters(context:)` does, calling `visit(name, value)` for each
    /// parameter instead of building an array: the typed headers keep the parameter bytes and decode them on demand.
    /// `name` and `value` are index ranges of `b` (no slices: each would retain the message's storage).
    mutating func scanParameters(
        context: String, _ visit: (_ name: Range<Int>, _ value: Range<Int>?) -> Void
    ) throws(SIPSyntaxError) {
        while true {
            let save = i
            guard consumeSeparator(ASCII.semicolon) else { i = save; break }
            let name = skip(while: ASCII.isToken)
            guard !name.isEmpty else {
                throw SIPSyntaxError("\(context) has an empty parameter (';' not followed by a name)")
            }
            var value: Range<Int>?
            if consumeSeparator(ASCII.equals) {
                if peek == ASCII.quote {
                    value = try quotedStringRange()
                } else {
                    let v = skip(while: ASCII.isParamValue)
                    guard !v.isEmpty else {
                        throw SIPSyntaxError("\(context) parameter '\(text(name))' has '=' but no value")
                    }
                    value = v
                }
            }
            visit(name, value)
        }
    }

    /// Decodes parameter bytes that `scanParameters` has already accepted.
    static func decodeParameters(_ bytes: ArraySlice<UInt8>) -> [SIPParameter] {
        guard !bytes.isEmpty else { return [] }
        var s = ByteScanner(ByteString(bytes))
        return (try? s.parameters(context: "")) ?? []
    }

    /// The first parameter in already-accepted bytes whose name equals `name` without case (RFC 3261 §7.3.1).
    static func firstParameter(named name: String, in bytes: ArraySlice<UInt8>) -> SIPParameter? {
        var s = ByteScanner(ByteString(bytes))
        var found: SIPParameter?
        try? s.scanParameters(context: "") { n, v in
            if found == nil, ByteString(bytes[n]).equalsIgnoringCase(name) {
                found = SIPParameter(name: ByteString(bytes[n]), value: v.map { ByteString(bytes[$0]) })
            }
        }
        return found
    }

    /// `ByteString(bytes[range]).decimalValue` without making the slice: nil if empty, not all digits, or over
    /// `UInt64`.
    static func decimalValue(_ bytes: ArraySlice<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var v: UInt64 = 0
        for k in range {
            let b = bytes[k]
            guard ASCII.isDigit(b) else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (sum, o2) = m.addingReportingOverflow(UInt64(b &- 48))
            if o1 || o2 { return nil }
            v = sum
        }
        return v
    }

    /// Whether `bytes[range]` equal the lower-case ASCII `lower` without case.
    static func equalsLower(_ bytes: ArraySlice<UInt8>, _ range: Range<Int>, _ lower: StaticString) -> Bool {
        guard range.count == lower.utf8CodeUnitCount else { return false }
        let q = lower.utf8Start
        var j = 0
        for k in range {
            guard ASCII.lower(bytes[k]) == q[j] else { return false }
            j += 1
        }
        return true
    }
}

/// A `name[=value]` parameter of a header or URI. A quoted value keeps its quotes in `value`.
public struct SIPParameter: Sendable, Hashable {
    public let name: ByteString
    public let value: ByteString?

    public init(name: ByteString, value: ByteString?) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == SIPParameter {
    /// The parameter with this name, compared case-insensitively (RFC 3261 §7.3.1).
    @inlinable
    public func first(named name: String) -> SIPParameter? {
        first { $0.name.equalsIgnoringCase(name) }
    }

    /// The value of the named parameter; `nil` if absent, an empty string if present without a value.
    public func value(named name: String) -> ByteString? {
        guard let p = first(named: name) else { return nil }
        return p.value ?? ByteString([UInt8]())
    }
}
