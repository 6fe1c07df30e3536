/// The IPv6 header and its extension headers (RFC 8200 §3, §4): addresses, the upper-layer protocol, the fragment
/// header's fields and where the payload is.
enum IPv6Packet {
    /// Decodes the IPv6 packet at the start of `bytes`, walking the extension headers up to the upper layer or the
    /// fragment header (after which the rest is the fragmentable part, RFC 8200 §4.5). `cut` as for IPv4.
    static func decode(_ bytes: ArraySlice<UInt8>, cut: Bool) -> Result<IPDatagram, IPFailure> {
        guard bytes.count >= 40 else { return .failure(.short(what: "IPv6 header", needed: 40, available: bytes.count)) }
        let version = bytes.byte(0) >> 4
        guard version == 6 else { return .failure(.malformed("IP version \(version) in an IPv6 header")) }
        var payloadLength = Int(bytes.uint16(4))
        if payloadLength == 0 && bytes.count > 40 {
            // A jumbogram (RFC 2675) or segmentation offload on the capturing host: the captured bytes are the packet.
            payloadLength = bytes.count - 40
        }
        var missing = 0
        if 40 + payloadLength > bytes.count {
            guard cut else {
                return .failure(.short(what: "IPv6 packet", needed: 40 + payloadLength, available: bytes.count))
            }
            missing = 40 + payloadLength - bytes.count
        }
        var datagram = IPDatagram(source: .v6(Array(bytes.dropping(8).keeping(16))),
                                  destination: .v6(Array(bytes.dropping(24).keeping(16))),
                                  protocolNumber: bytes.byte(6), payload: bytes.keeping(40 + payloadLength).dropping(40),
                                  missing: missing, fragment: nil, version: 6)
        if let failure = walkExtensionHeaders(&datagram, fragmentAllowed: true) { return .failure(failure) }
        return .success(datagram)
    }

    /// Skips the extension headers at the start of `datagram.payload` (RFC 8200 §4.3–4.6, RFC 4302 for AH), leaving
    /// the upper-layer protocol and payload, or stops after a fragment header, setting `fragment`. An atomic fragment
    /// (offset 0, no more fragments; RFC 6946) is no fragment at all. After reassembly, the walk goes on over the
    /// reassembled payload with `fragmentAllowed` false.
    static func walkExtensionHeaders(_ datagram: inout IPDatagram, fragmentAllowed: Bool) -> IPFailure? {
        var next = datagram.protocolNumber
        var rest = datagram.payload
        while true {
            switch next {
            case IPProtocol.hopByHop, IPProtocol.routing, IPProtocol.destinationOptions, 135, 139, 140:
                guard rest.count >= 2 else { return .short(what: "IPv6 extension header", needed: 2, available: rest.count) }
                let length = (Int(rest.byte(1)) + 1) * 8
                guard rest.count >= length else {
                    return .short(what: "IPv6 extension header", needed: length, available: rest.count)
                }
                next = rest.byte(0)
                rest = rest.dropping(length)
            case IPProtocol.authentication:
                guard rest.count >= 2 else { return .short(what: "IPv6 AH header", needed: 2, available: rest.count) }
                let length = (Int(rest.byte(1)) + 2) * 4
                guard rest.count >= length else { return .short(what: "IPv6 AH header", needed: length, available: rest.count) }
                next = rest.byte(0)
                rest = rest.dropping(length)
            case IPProtocol.fragment:
                guard fragmentAllowed else { return .malformed("a second IPv6 fragment header inside a fragmented packet") }
                guard rest.count >= 8 else {
                    return .short(what: "IPv6 fragment header", needed: 8, available: rest.count)
                }
                let offsetField = rest.uint16(2)
                let offset = Int(offsetField >> 3) * 8
                let more = offsetField & 1 != 0
                next = rest.byte(0)
                let identification = rest.uint32(4)
                rest = rest.dropping(8)
                if offset != 0 || more {
                    datagram.fragment = .init(identification: identification, offset: offset, moreFragments: more)
                    datagram.protocolNumber = next
                    datagram.payload = rest
                    return nil
                }
            default:
                datagram.protocolNumber = next
                datagram.payload = rest
                return nil
            }
        }
    }
}
