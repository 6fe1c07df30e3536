/// The link layers sipflow decodes, by the capture's link type (libpcap's DLT value; see
/// https://www.tcpdump.org/linktypes.html), and where the IP packet starts in a frame of each.
enum LinkLayer: Sendable, Equatable {
    /// `DLT_EN10MB` (1): Ethernet II, with any stack of 802.1Q / 802.1ad tags.
    case ethernet
    /// `DLT_LINUX_SLL` (113): the Linux "cooked" header, 16 bytes, protocol in its last two.
    case linuxCooked
    /// `DLT_LINUX_SLL2` (276): the second Linux cooked header, 20 bytes, protocol in its first two.
    case linuxCooked2
    /// `DLT_RAW` (12, or 14 on OpenBSD), `LINKTYPE_RAW` (101), `LINKTYPE_IPV4` (228), `LINKTYPE_IPV6` (229): the IP
    /// packet itself, its version in its first nibble.
    case rawIP
    /// `DLT_NULL` (0): a 4-byte address family in the byte order of the host that captured.
    case bsdNull
    /// `DLT_LOOP` (108): a 4-byte address family in network byte order.
    case bsdLoop

    /// The sentence's list of what is supported, for the error naming an unsupported type.
    static let supportedList = "Ethernet (1), Linux cooked SLL (113) and SLL2 (276), raw IP (12, 14, 101, 228, 229), "
        + "BSD loopback NULL (0) and LOOP (108)"

    init?(linkType: Int32) {
        switch linkType {
        case 1: self = .ethernet
        case 113: self = .linuxCooked
        case 276: self = .linuxCooked2
        case 12, 14, 101, 228, 229: self = .rawIP
        case 0: self = .bsdNull
        case 108: self = .bsdLoop
        default: return nil
        }
    }

    /// Where a frame's IP packet starts, or why it has none.
    enum Frame: Equatable {
        case ip(offset: Int)
        case notIP(String)
        case short(needed: Int)
    }

    /// The offset of the IP packet in `frame`.
    func locateIP(in frame: ArraySlice<UInt8>) -> Frame {
        switch self {
        case .rawIP:
            return .ip(offset: 0)
        case .ethernet:
            guard frame.count >= 14 else { return .short(needed: 14) }
            return Self.afterEtherType(frame, at: 12)
        case .linuxCooked:
            guard frame.count >= 16 else { return .short(needed: 16) }
            return Self.afterEtherType(frame, at: 14)
        case .linuxCooked2:
            guard frame.count >= 20 else { return .short(needed: 20) }
            return Self.ethernetType(frame.uint16(0), frame, payloadAt: 20)
        case .bsdNull, .bsdLoop:
            guard frame.count >= 4 else { return .short(needed: 4) }
            var family = frame.uint32(0)
            // NULL is in the capturing host's order: a family fits in 16 bits, so high bits set mean swapped.
            if self == .bsdNull && family & 0xFFFF_0000 != 0 { family = family.byteSwapped }
            switch family {
            case 2, 24, 28, 30: return .ip(offset: 4)  // AF_INET; AF_INET6 of NetBSD/OpenBSD, FreeBSD, Darwin
            default: return .notIP("loopback address family \(family) is not IP")
            }
        }
    }

    /// Follows the EtherType at `offset` through 802.1Q (0x8100) and 802.1ad QinQ (0x88A8, 0x9100) tags.
    private static func afterEtherType(_ frame: ArraySlice<UInt8>, at offset: Int) -> Frame {
        var at = offset
        var type = frame.uint16(at)
        while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
            at += 4  // the tag's TCI, then the next EtherType
            guard frame.count >= at + 2 else { return .short(needed: at + 2) }
            type = frame.uint16(at)
        }
        return ethernetType(type, frame, payloadAt: at + 2)
    }

    private static func ethernetType(_ type: UInt16, _ frame: ArraySlice<UInt8>, payloadAt offset: Int) -> Frame {
        switch type {
        case 0x0800, 0x86DD: return .ip(offset: offset)
        case 0x0806: return .notIP("EtherType 0x0806 (ARP) is not IP")
        case 0x88CC: return .notIP("EtherType 0x88CC (LLDP) is not IP")
        case ...1500: return .notIP("an 802.3 frame with length \(type) (LLC) is not IP")
        default: return .notIP("EtherType 0x\(hex4(type)) is not IP")
        }
    }
}

/// Four upper-case hex digits.
func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
