@testable import SIPPcap

/// Crafted packets for the decoding tests: link-layer frames, IPv4 and IPv6 headers (with options, extension
/// headers, fragments), UDP and TCP. Checksums are left 0: the decoder does not verify them.
enum PacketBuilder {
    static let a4: UInt32 = 0xC000_0201  // 192.0.2.1
    static let b4: UInt32 = 0xC000_0202  // 192.0.2.2
    static let a6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1]  // 2001:db8::1
    static let b6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [2]  // 2001:db8::2
    static let sip = Array("OPTIONS sip:b@192.0.2.2 SIP/2.0\r\nContent-Length: 0\r\n\r\n".utf8)

    static func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    // MARK: Transport

    static func udp(_ sourcePort: Int = 5070, _ destinationPort: Int = 5060, _ payload: [UInt8] = sip,
                    length: Int? = nil) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be16(length ?? 8 + payload.count) + [0, 0] + payload
    }

    static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04, psh: UInt8 = 0x08, ack: UInt8 = 0x10

    static func tcp(_ sourcePort: Int = 40_000, _ destinationPort: Int = 5060, seq: UInt32, flags: UInt8 = 0x18,
                    _ payload: [UInt8] = [], options: [UInt8] = []) -> [UInt8] {
        let offset = (20 + options.count) / 4
        return be16(sourcePort) + be16(destinationPort) + be32(seq) + be32(1) + [UInt8(offset << 4), flags]
            + be16(65_535) + [0, 0, 0, 0] + options + payload
    }

    // MARK: IP

    static func ipv4(_ payload: [UInt8], proto: UInt8 = 17, from source: UInt32 = a4, to destination: UInt32 = b4,
                     id: Int = 0x1234, moreFragments: Bool = false, offset: Int = 0, options: [UInt8] = [],
                     totalLength: Int? = nil) -> [UInt8] {
        let headerLength = 20 + options.count
        let flags = (moreFragments ? 0x2000 : 0) | (offset / 8)
        return [UInt8(0x40 | headerLength / 4), 0] + be16(totalLength ?? headerLength + payload.count) + be16(id)
            + be16(flags) + [64, proto, 0, 0] + be32(source) + be32(destination) + options + payload
    }

    /// An IPv6 packet; `extensions` are whole extension headers, placed between the header and `payload`, and
    /// `nextHeader` names the first of them (or the payload's protocol when there are none).
    static func ipv6(_ payload: [UInt8], nextHeader: UInt8 = 17, from source: [UInt8] = a6, to destination: [UInt8] = b6,
                     extensions: [UInt8] = [], payloadLength: Int? = nil) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(payloadLength ?? extensions.count + payload.count) + [nextHeader, 64] + source + destination
            + extensions + payload
    }

    /// A hop-by-hop, routing or destination-options header of `8 * (1 + extraUnits)` bytes (RFC 8200 §4.3).
    static func optionsHeader(next: UInt8, extraUnits: Int = 0) -> [UInt8] {
        [next, UInt8(extraUnits)] + Array(repeating: 0, count: 6 + 8 * extraUnits)
    }

    /// A fragment header (RFC 8200 §4.5).
    static func fragmentHeader(next: UInt8, offset: Int, more: Bool, id: UInt32 = 0xABCD) -> [UInt8] {
        [next, 0] + be16((offset / 8) << 3 | (more ? 1 : 0)) + be32(id)
    }

    /// `datagram` (an upper-layer packet) cut into IPv4 fragments of `size` bytes (a multiple of 8).
    static func fragments4(_ datagram: [UInt8], size: Int, id: Int = 0x1234, proto: UInt8 = 17) -> [[UInt8]] {
        stride(from: 0, to: datagram.count, by: size).map { start in
            let end = min(start + size, datagram.count)
            return ipv4(Array(datagram[start..<end]), proto: proto, id: id, moreFragments: end < datagram.count,
                        offset: start)
        }
    }

    /// `fragmentable` (what follows the fragment header: extension headers and upper layer) cut into IPv6 fragments.
    static func fragments6(_ fragmentable: [UInt8], next: UInt8 = 17, size: Int, id: UInt32 = 0xABCD) -> [[UInt8]] {
        stride(from: 0, to: fragmentable.count, by: size).map { start in
            let end = min(start + size, fragmentable.count)
            return ipv6(Array(fragmentable[start..<end]), nextHeader: IPProtocol.fragment,
                        extensions: fragmentHeader(next: next, offset: start, more: end < fragmentable.count, id: id))
        }
    }

    // MARK: Link layers

    static func ethernet(_ payload: [UInt8], type: Int = 0x0800, tags: [Int] = []) -> [UInt8] {
        var frame: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        for (i, tpid) in tags.enumerated() { frame += be16(tpid) + be16(100 + i) }
        return frame + be16(type) + payload
    }

    static func sll(_ payload: [UInt8], protocol p: Int = 0x0800) -> [UInt8] {
        [0, 0, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0] + be16(p) + payload
    }

    static func sll2(_ payload: [UInt8], protocol p: Int = 0x0800) -> [UInt8] {
        be16(p) + [0, 0] + be32(2) + [0, 1, 0, 6] + [0, 1, 2, 3, 4, 5, 0, 0] + payload
    }

    /// A `DLT_NULL` header: the family in little-endian (an x86 host) or big-endian order.
    static func null(_ payload: [UInt8], family: UInt32 = 2, bigEndian: Bool = false) -> [UInt8] {
        (bigEndian ? be32(family) : be32(family.byteSwapped)) + payload
    }

    static func loop(_ payload: [UInt8], family: UInt32 = 2) -> [UInt8] { be32(family) + payload }

    // MARK: Decoding

    static func packet(_ bytes: [UInt8], at seconds: Double = 0, originalLength: Int? = nil) -> PcapPacket {
        PcapPacket(timestamp: 1_765_000_000_000_000_000 + UInt64(seconds * 1e9), bytes: bytes, originalLength: originalLength)
    }

    /// Decodes each packet in turn (numbered from 1), then finishes.
    static func decodeAll(_ frames: [[UInt8]], linkType: Int32 = 12, times: [Double]? = nil) throws -> [DecodeResult] {
        var decoder = try PacketDecoder(linkType: linkType)
        var results: [DecodeResult] = []
        for (i, frame) in frames.enumerated() {
            results += decoder.decode(packet(frame, at: times?[i] ?? Double(i) * 0.001), number: i + 1)
        }
        return results + decoder.finish()
    }
}

extension DecodeResult {
    var payload: CapturedPayload? { if case .payload(let p) = self { return p } else { return nil } }
    var skip: PacketSkip? { if case .skipped(_, let reason, _) = self { return reason } else { return nil } }
    var detail: String? { if case .skipped(_, _, let detail) = self { return detail } else { return nil } }
    var number: Int {
        switch self {
        case .payload(let p): return p.packetNumber
        case .skipped(let n, _, _): return n
        }
    }
}

extension Array where Element == DecodeResult {
    var payloads: [CapturedPayload] { compactMap(\.payload) }
    var skips: [PacketSkip] { compactMap(\.skip) }
}
