/// An IP packet's addresses, upper-layer protocol and payload, as either IP version leaves them: what the UDP and
/// TCP decoders and the fragment store work on.
struct IPDatagram: Sendable {
    var source: PacketEndpoint.Address
    var destination: PacketEndpoint.Address
    /// The upper-layer protocol (IPv4 Protocol, IPv6 Next Header after the extension headers; RFC 8200 §4).
    var protocolNumber: UInt8
    /// The payload the packet carries (all of it, or what the snap length left: `missing`).
    var payload: ArraySlice<UInt8>
    /// Bytes of the payload the snap length cut off the end.
    var missing: Int
    /// Set when this packet is one fragment of a larger datagram (RFC 791 §3.2, RFC 8200 §4.5).
    var fragment: Fragment?
    /// 4 or 6.
    var version: Int

    /// Where a fragment belongs in its datagram.
    struct Fragment: Sendable, Equatable {
        var identification: UInt32
        /// Byte offset of this fragment's data in the datagram's payload.
        var offset: Int
        var moreFragments: Bool
    }
}

/// Why an IP header decoder gave up.
enum IPFailure: Error, Equatable {
    /// A header or length past the end of what was captured: `needed` bytes of `available`.
    case short(what: String, needed: Int, available: Int)
    case malformed(String)
    case notUDPOrTCP(String)
}

/// Upper-layer protocol numbers (IANA "Assigned Internet Protocol Numbers").
enum IPProtocol {
    static let hopByHop: UInt8 = 0
    static let icmp: UInt8 = 1
    static let ipv4: UInt8 = 4
    static let tcp: UInt8 = 6
    static let udp: UInt8 = 17
    static let ipv6: UInt8 = 41
    static let routing: UInt8 = 43
    static let fragment: UInt8 = 44
    static let esp: UInt8 = 50
    static let authentication: UInt8 = 51
    static let icmpv6: UInt8 = 58
    static let noNextHeader: UInt8 = 59
    static let destinationOptions: UInt8 = 60

    /// "IP protocol 1 (ICMP)": a protocol's number and, for common ones, its name.
    static func describe(_ number: UInt8) -> String {
        let names: [UInt8: String] = [1: "ICMP", 2: "IGMP", 47: "GRE", 50: "ESP", 58: "ICMPv6", 59: "no next header",
                                      89: "OSPF", 103: "PIM", 112: "VRRP", 132: "SCTP"]
        return names[number].map { "IP protocol \(number) (\($0))" } ?? "IP protocol \(number)"
    }
}
