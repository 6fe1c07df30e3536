/// An IP address and port as the wire carries them (network byte order), with no socket library behind it.
public struct PacketEndpoint: Sendable, Hashable {
    public enum Address: Sendable, Hashable {
        /// Four bytes, most significant first.
        case v4(UInt32)
        /// Sixteen bytes.
        case v6([UInt8])
    }

    public let address: Address
    public let port: UInt16

    public init(address: Address, port: UInt16) {
        self.address = address
        self.port = port
    }
}

/// Writes a UDP datagram as the IPv4 or IPv6 packet that carried it (RFC 791, RFC 8200, RFC 768), with the IP
/// header checksum and the UDP checksum, for a capture file with raw IP packets (`PcapLinkType.rawIP`).
///
/// sipflow sends and receives through sockets, which show the payload and the addresses but not the packet: the
/// headers are made again here, as the kernel would have made them (TTL/hop limit 64, don't fragment).
public enum UDPPacket {
    /// The largest payload one IP packet carries (65,535 less the IPv4 and UDP headers): what no UDP datagram exceeds.
    public static let maxPayload = 65_507

    /// Replaces `packet` with the IP packet carrying `payload` from `source` to `destination`. Both must be of one IP
    /// version; returns false (leaving `packet` empty) when they are not or the payload is too large.
    @discardableResult
    public static func write(_ payload: UnsafeRawBufferPointer, from source: PacketEndpoint, to destination: PacketEndpoint,
                             identification: UInt16 = 0, into packet: inout [UInt8]) -> Bool {
        packet.removeAll(keepingCapacity: true)
        guard payload.count <= maxPayload else { return false }
        let udpLength = 8 + payload.count
        switch (source.address, destination.address) {
        case (.v4(let s), .v4(let d)):
            packet.reserveCapacity(20 + udpLength)
            let total = 20 + udpLength
            packet.append(contentsOf: [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF),
                                       UInt8(identification >> 8), UInt8(identification & 0xFF), 0x40, 0,  // DF
                                       64, 17, 0, 0])
            append32(s, to: &packet)
            append32(d, to: &packet)
            let headerSum = fold(sum(packet, 0..<20))
            packet[10] = UInt8(headerSum >> 8)
            packet[11] = UInt8(headerSum & 0xFF)
            var pseudo = sum(packet, 12..<20)  // source and destination
            pseudo += 17 + UInt32(udpLength)
            appendUDP(payload, source.port, destination.port, pseudoSum: pseudo, into: &packet)
        case (.v6(let s), .v6(let d)):
            guard s.count == 16, d.count == 16 else { return false }
            packet.reserveCapacity(40 + udpLength)
            packet.append(contentsOf: [0x60, 0, 0, 0, UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 17, 64])
            packet.append(contentsOf: s)
            packet.append(contentsOf: d)
            var pseudo = sum(packet, 8..<40)
            pseudo += 17 + UInt32(udpLength)
            appendUDP(payload, source.port, destination.port, pseudoSum: pseudo, into: &packet)
        default:
            return false
        }
        return true
    }

    /// The UDP header and payload, the checksum over the pseudo-header sum given (RFC 768; 0 is sent as 0xFFFF).
    private static func appendUDP(_ payload: UnsafeRawBufferPointer, _ sourcePort: UInt16, _ destinationPort: UInt16,
                                  pseudoSum: UInt32, into packet: inout [UInt8]) {
        let start = packet.count
        let length = 8 + payload.count
        packet.append(contentsOf: [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF),
                                   UInt8(destinationPort >> 8), UInt8(destinationPort & 0xFF),
                                   UInt8(length >> 8), UInt8(length & 0xFF), 0, 0])
        packet.append(contentsOf: payload)
        var checksum = fold(pseudoSum + sum(packet, start..<packet.count))
        if checksum == 0 { checksum = 0xFFFF }
        packet[start + 6] = UInt8(checksum >> 8)
        packet[start + 7] = UInt8(checksum & 0xFF)
    }

    private static func append32(_ value: UInt32, to packet: inout [UInt8]) {
        packet.append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF),
                                   UInt8(value & 0xFF)])
    }

    /// The one's-complement sum of `range` of `bytes` as 16-bit big-endian words (an odd last byte padded with 0),
    /// folded to 16 bits but not complemented. `range` starts at an even offset.
    ///
    /// Summed four bytes at a time in the machine's byte order into 64 bits, then folded and put in network order:
    /// the one's-complement sum does not depend on the word size or the byte order (RFC 1071 §2).
    static func sum(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        var total: UInt64 = 0
        bytes.withUnsafeBytes { b in
            var i = range.lowerBound
            while i + 4 <= range.upperBound {
                total &+= UInt64(b.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                i += 4
            }
            var tail: UInt32 = 0
            withUnsafeMutableBytes(of: &tail) { t in
                for k in 0..<(range.upperBound - i) { t[k] = b[i + k] }
            }
            total &+= UInt64(tail)
        }
        while total >> 16 != 0 { total = (total & 0xFFFF) &+ (total >> 16) }
        return UInt32(UInt16(truncatingIfNeeded: total).bigEndian)
    }

    /// Folds a sum to 16 bits and complements it: the Internet checksum (RFC 1071).
    static func fold(_ sum: UInt32) -> UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return ~UInt16(s)
    }
}
