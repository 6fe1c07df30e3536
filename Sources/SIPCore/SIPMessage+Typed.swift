#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

extension SIPMessage {
    /// The tag this response added to the To of the request it answers, read from the bytes: its first To value is
    /// the request's first To value followed by `;tag=` and a token, and the request's To has no parameters of its
    /// own (an addr-spec with no `;`, or a name-addr ending with its `>`). That is how a UAS answering an
    /// out-of-dialog request usually writes it (RFC 3261 §8.2.6.2): the To then parses to the request's To with this
    /// tag, so neither needs a parse. Nil says nothing about the To: parse it.
    public func addedToTag(answering request: SIPMessage) -> (field: SIPHeaderField, tag: ByteString)? {
        guard let mine = firstField(.to), let sent = request.firstField(.to),
              let tag = addedToTag(mine, answering: request, sent) else { return nil }
        return (mine, ByteString(storage[tag]))
    }

    /// `addedToTag(answering:)` for this message's first To field `mine` and the request's first To field `sent`:
    /// where the tag lies in `storage`.
    public func addedToTag(_ mine: SIPHeaderField, answering request: SIPMessage, _ sent: SIPHeaderField) -> Range<Int>? {
        guard !mine.isFolded, !sent.isFolded else { return nil }
        let m = mine.valueRange, s = sent.valueRange
        let tagStart = m.lowerBound + s.count + 5  // after the request's value and ";tag="
        guard !s.isEmpty, tagStart < m.upperBound else { return nil }
        return storage.withUnsafeBufferPointer { a -> Range<Int>? in
            request.storage.withUnsafeBufferPointer { b -> Range<Int>? in
                let sentValue = UnsafeBufferPointer(rebasing: b[s])
                // No parameter of its own: none at all, or all of them inside the name-addr's <>.
                guard sentValue.last == ASCII.rAngle || !sentValue.contains(ASCII.semicolon),
                      memcmp(a.baseAddress! + m.lowerBound, sentValue.baseAddress!, s.count) == 0 else { return nil }
                let marker = a.baseAddress! + m.lowerBound + s.count
                guard marker[0] == ASCII.semicolon, marker[1] == 0x74, marker[2] == 0x61, marker[3] == 0x67,
                      marker[4] == ASCII.equals else { return nil }  // ";tag="
                for i in tagStart..<m.upperBound where !ASCII.isToken(a[i]) { return nil }
                return tagStart..<m.upperBound
            }
        }
    }
}
