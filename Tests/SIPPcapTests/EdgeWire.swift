@testable import SIPPcap

/// IP, UDP and TCP packets for the edge-case captures with every checksum right — the IPv4 header checksum (RFC 791
/// §3.1), UDP's (RFC 768; mandatory over IPv6, RFC 8200 §8.1) and TCP's (RFC 9293 §3.1) over their pseudo-headers —
/// since tshark, which the interop tests compare against, checks them and will not reassemble fragments that fail.
enum EdgeWire {
    typealias B = PacketBuilder

    /// An IP address: four bytes or sixteen.
    enum Host: Sendable, Equatable {
        case v4(UInt32)
        case v6([UInt8])

        var bytes: [UInt8] {
            switch self {
            case .v4(let a): return B.be32(a)
            case .v6(let a): return a
            }
        }
    }

    struct Endpoint: Sendable {
        let host: Host
        let port: Int
    }

    /// The Internet checksum (RFC 1071) of the bytes of `parts` taken one after another; each part but the last
    /// has an even length.
    static func checksum(_ parts: [UInt8]...) -> UInt16 {
        var sum: UInt32 = 0
        for bytes in parts {
            var i = 0
            while i < bytes.count {
                sum += UInt32(bytes[i]) << 8 | UInt32(i + 1 < bytes.count ? bytes[i + 1] : 0)
                i += 2
            }
        }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// The pseudo-header a UDP or TCP checksum covers (RFC 768, RFC 8200 §8.1).
    static func pseudoHeader(_ source: Host, _ destination: Host, proto: UInt8, length: Int) -> [UInt8] {
        switch source {
        case .v4: return source.bytes + destination.bytes + [0, proto] + B.be16(length)
        case .v6: return source.bytes + destination.bytes + B.be32(UInt32(length)) + [0, 0, 0, proto]
        }
    }

    /// A UDP datagram (header and payload) with its checksum.
    static func udp(_ payload: [UInt8], from source: Endpoint, to destination: Endpoint) -> [UInt8] {
        var datagram = B.udp(source.port, destination.port, payload)
        var sum = checksum(pseudoHeader(source.host, destination.host, proto: 17, length: datagram.count), datagram)
        if sum == 0 { sum = 0xFFFF }  // 0 means "no checksum" (RFC 768)
        datagram.replaceSubrange(6..<8, with: B.be16(Int(sum)))
        return datagram
    }

    /// A TCP segment with no options, its acknowledgment number and checksum.
    static func tcp(_ payload: [UInt8], from source: Endpoint, to destination: Endpoint, seq: UInt32, ack: UInt32,
                    flags: UInt8) -> [UInt8] {
        var segment = B.be16(source.port) + B.be16(destination.port) + B.be32(seq) + B.be32(ack)
            + [5 << 4, flags] + B.be16(64_240) + [0, 0, 0, 0] + payload
        let sum = checksum(pseudoHeader(source.host, destination.host, proto: 6, length: segment.count), segment)
        segment.replaceSubrange(16..<18, with: B.be16(Int(sum)))
        return segment
    }

    /// The IPv4 or IPv6 packet carrying `payload` (of protocol `proto`).
    static func ip(_ payload: [UInt8], proto: UInt8, from source: Host, to destination: Host, id: Int = 0) -> [UInt8] {
        switch (source, destination) {
        case (.v4(let s), .v4(let d)): return sealed(B.ipv4(payload, proto: proto, from: s, to: d, id: id))
        default: return B.ipv6(payload, nextHeader: proto, from: source.bytes, to: destination.bytes)
        }
    }

    /// `packet` (IPv4) with its header checksum filled in.
    static func sealed(_ packet: [UInt8]) -> [UInt8] {
        var packet = packet
        let headerLength = Int(packet[0] & 0x0F) * 4
        packet.replaceSubrange(10..<12, with: [0, 0])
        packet.replaceSubrange(10..<12, with: B.be16(Int(checksum(Array(packet[0..<headerLength])))))
        return packet
    }

    /// A UDP datagram from `source` to `destination` cut into IP fragments of `size` bytes of payload each (a
    /// multiple of 8: RFC 791 §3.2, RFC 8200 §4.5), in order.
    static func fragmentedUDP(_ payload: [UInt8], from source: Endpoint, to destination: Endpoint, size: Int,
                              id: Int) -> [[UInt8]] {
        let datagram = udp(payload, from: source, to: destination)
        switch (source.host, destination.host) {
        case (.v4(let s), .v4(let d)):
            return stride(from: 0, to: datagram.count, by: size).map { start in
                let end = min(start + size, datagram.count)
                return sealed(B.ipv4(Array(datagram[start..<end]), proto: 17, from: s, to: d, id: id,
                                     moreFragments: end < datagram.count, offset: start))
            }
        default:
            return B.fragments6(datagram, next: 17, size: size, id: UInt32(id)).map { fragment in
                // fragments6 uses the test addresses: put this datagram's in.
                var fragment = fragment
                fragment.replaceSubrange(8..<24, with: source.host.bytes)
                fragment.replaceSubrange(24..<40, with: destination.host.bytes)
                return fragment
            }
        }
    }

    /// One TCP connection's segments, each direction's sequence numbers kept (RFC 9293 §3.4).
    struct Connection {
        let client: Endpoint
        let server: Endpoint
        /// The sequence number of each direction's next byte.
        var clientNext: UInt32
        var serverNext: UInt32

        init(client: Endpoint, server: Endpoint, clientISN: UInt32, serverISN: UInt32) {
            self.client = client
            self.server = server
            clientNext = clientISN
            serverNext = serverISN
        }

        /// SYN, SYN-ACK, ACK (RFC 9293 §3.5): each SYN takes a sequence number.
        mutating func handshake() -> [[UInt8]] {
            let syn = packet(fromClient: true, [], seq: clientNext, ack: 0, flags: B.syn)
            let synAck = packet(fromClient: false, [], seq: serverNext, ack: clientNext &+ 1, flags: B.syn | B.ack)
            clientNext &+= 1
            serverNext &+= 1
            return [syn, synAck, packet(fromClient: true, [], seq: clientNext, flags: B.ack)]
        }

        /// The next segment of one direction, carrying `text`.
        mutating func send(fromClient: Bool, _ text: String) -> [UInt8] {
            let bytes = Array(text.utf8)
            let seq = fromClient ? clientNext : serverNext
            if fromClient { clientNext &+= UInt32(bytes.count) } else { serverNext &+= UInt32(bytes.count) }
            return packet(fromClient: fromClient, bytes, seq: seq, flags: B.ack | B.psh)
        }

        /// A FIN from one side, which takes a sequence number.
        mutating func fin(fromClient: Bool) -> [UInt8] {
            let seq = fromClient ? clientNext : serverNext
            if fromClient { clientNext &+= 1 } else { serverNext &+= 1 }
            return packet(fromClient: fromClient, [], seq: seq, flags: B.fin | B.ack)
        }

        /// A segment at `seq`, acknowledging all the other direction sent so far (unless `ack` says otherwise).
        func packet(fromClient: Bool, _ payload: [UInt8], seq: UInt32, ack: UInt32? = nil, flags: UInt8) -> [UInt8] {
            let (source, destination) = fromClient ? (client, server) : (server, client)
            let acknowledged = ack ?? (fromClient ? serverNext : clientNext)
            return EdgeWire.ip(EdgeWire.tcp(payload, from: source, to: destination, seq: seq, ack: acknowledged,
                                            flags: flags),
                               proto: 6, from: source.host, to: destination.host)
        }
    }
}
