/// Typed values of the headers the engine reads on every message. Each returns nil when the header is absent or
/// does not parse; the conformance rules report why.
extension SIPMessage {
    /// The first Via value: the one a response is routed by (RFC 3261 §18.2.2).
    @inlinable
    public var topVia: Via? {
        guard let v = firstValue(.via) else { return nil }
        return try? Via.parse(HeaderList.first(v))
    }

    /// Every Via value in order. Throws on the first one that does not parse.
    public func parseVias() throws(SIPSyntaxError) -> [Via] {
        var out: [Via] = []
        for v in values(.via) { out.append(try Via.parse(v)) }
        return out
    }

    @inlinable public var from: NameAddress? { firstValue(.from).flatMap { try? NameAddress.parse($0) } }
    @inlinable public var to: NameAddress? { firstValue(.to).flatMap { try? NameAddress.parse($0) } }
    /// Whether To has a `tag` parameter, as `to?.tag != nil` says, without parsing a To that has no parameters:
    /// a tag is a parameter, and parameters follow a `;` (RFC 3261 §20.39, §25.1). An initial request's To has none.
    @inlinable public var hasToTag: Bool {
        guard let value = firstValue(.to), value.bytes.contains(ASCII.semicolon) else { return false }
        return (try? NameAddress.parse(value))?.tag != nil
    }
    @inlinable public var cseq: CSeq? { firstValue(.cseq).flatMap { try? CSeq.parse($0) } }
    @inlinable public var callID: ByteString? { firstValue(.callID) }

    public var maxForwards: Int? {
        firstValue(.maxForwards)?.trimmed.decimalValue.flatMap { $0 <= 255 ? Int($0) : nil }
    }

    /// The declared Content-Length, when it is a valid number.
    public var contentLength: Int? {
        firstValue(.contentLength)?.trimmed.decimalValue.flatMap { $0 <= Int.max ? Int($0) : nil }
    }

    public var contentType: ByteString? { firstValue(.contentType) }

    /// The Expires header as seconds, when valid (RFC 3261 §20.19).
    public var expires: UInt64? { firstValue(.expires)?.trimmed.decimalValue }

    /// The Contact values. Throws on the first one that does not parse.
    public func parseContacts() throws(SIPSyntaxError) -> [NameAddress] {
        var out: [NameAddress] = []
        for v in values(.contact) { out.append(try NameAddress.parse(v)) }
        return out
    }

    /// Route or Record-Route values in order. Throws on the first one that does not parse.
    public func parseAddresses(_ name: HeaderName) throws(SIPSyntaxError) -> [NameAddress] {
        var out: [NameAddress] = []
        for v in values(name) { out.append(try NameAddress.parse(v)) }
        return out
    }
}
