/// The IPv4 header (RFC 791 §3.1): addresses, protocol, fragment fields and where the payload is.
enum IPv4Packet {
    /// Decodes the IPv4 packet at the start of `bytes`. `cut` says the capture kept less than the packet had (the
    /// snap length): a total length past the end is then `missing` bytes, not a truncated packet.
    static func decode(_ bytes: ArraySlice<UInt8>, cut: Bool) -> Result<IPDatagram, IPFailure> {
        guard bytes.count >= 20 else { return .failure(.short(what: "IPv4 header", needed: 20, available: bytes.count)) }
        let version = bytes.byte(0) >> 4
        guard version == 4 else { return .failure(.malformed("IP version \(version) in an IPv4 header")) }
        // IHL counts 32-bit words and covers options (RFC 791 §3.1: at least 5).
        let headerLength = Int(bytes.byte(0) & 0x0F) * 4
        guard headerLength >= 20 else {
            return .failure(.malformed("IPv4 header length \(headerLength) is below 20 bytes"))
        }
        guard bytes.count >= headerLength else {
            return .failure(.short(what: "IPv4 header with options", needed: headerLength, available: bytes.count))
        }
        var totalLength = Int(bytes.uint16(2))
        if totalLength == 0 && bytes.count > headerLength {
            // Segmentation offload on the capturing host leaves 0 here: the captured bytes are the packet.
            totalLength = bytes.count
        }
        guard totalLength >= headerLength else {
            return .failure(.malformed("IPv4 total length \(totalLength) is below its header length \(headerLength)"))
        }
        var missing = 0
        if totalLength > bytes.count {
            guard cut else {
                return .failure(.short(what: "IPv4 packet", needed: totalLength, available: bytes.count))
            }
            missing = totalLength - bytes.count
        }
        let flagsAndOffset = bytes.uint16(6)
        let moreFragments = flagsAndOffset & 0x2000 != 0
        let offset = Int(flagsAndOffset & 0x1FFF) * 8  // in 8-byte units (RFC 791 §3.1)
        let fragment: IPDatagram.Fragment? = moreFragments || offset != 0
            ? .init(identification: UInt32(bytes.uint16(4)), offset: offset, moreFragments: moreFragments) : nil
        return .success(IPDatagram(source: .v4(bytes.uint32(12)), destination: .v4(bytes.uint32(16)),
                                   protocolNumber: bytes.byte(9),
                                   payload: bytes.keeping(totalLength).dropping(headerLength),
                                   missing: missing, fragment: fragment, version: 4))
    }
}
