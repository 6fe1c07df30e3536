import Testing
import TestSupport
@testable import SIPPcap

/// No input crashes the decoder: random bytes, and valid packets mutated (bytes flipped, cut, lengths changed),
/// on every link type. Inputs that once crashed stay below as regression tests.
@Suite struct PacketDecoderFuzzTests {
    typealias B = PacketBuilder

    /// Valid packets of every kind, to mutate.
    static let seeds: [[UInt8]] = {
        let big = [UInt8](repeating: 0x53, count: 2_000)
        return [B.ipv4(B.udp()), B.ipv6(B.udp()), B.ipv4(B.tcp(seq: 1, B.sip), proto: 6),
                B.ipv6(B.tcp(seq: 9, flags: B.syn), nextHeader: 6),
                B.ipv4(B.udp(), options: [1, 1, 1, 0]), B.ipv4(B.ipv6(B.udp()), proto: 41), B.ipv6(B.ipv4(B.udp()), nextHeader: 4),
                B.ipv6(B.udp(), nextHeader: 0, extensions: B.optionsHeader(next: 17))]
            + B.fragments4(B.udp(1, 2, big), size: 800) + B.fragments6(B.udp(3, 4, big), size: 800)
    }()

    /// A seed in the link layer of `linkType`.
    static func framed(_ ip: [UInt8], _ linkType: Int32, _ rng: inout SplitMix64) -> [UInt8] {
        let type = ip.first.map { $0 >> 4 == 6 ? 0x86DD : 0x0800 } ?? 0x0800
        switch linkType {
        case 1: return B.ethernet(ip, type: type, tags: Array([0x8100, 0x88A8, 0x9100].prefix(rng.below(3))))
        case 113: return B.sll(ip, protocol: type)
        case 276: return B.sll2(ip, protocol: type)
        case 0: return B.null(ip, family: type == 0x0800 ? 2 : 30, bigEndian: rng.below(2) == 0)
        case 108: return B.loop(ip, family: type == 0x0800 ? 2 : 24)
        default: return ip
        }
    }

    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = bytes
        switch rng.below(5) {
        case 0:  // flip a few bytes
            for _ in 0..<(1 + rng.below(4)) where !b.isEmpty { b[rng.below(b.count)] = UInt8(truncatingIfNeeded: rng.next()) }
        case 1:  // cut short
            b = Array(b.prefix(rng.below(b.count + 1)))
        case 2:  // extreme values in the first 64 bytes, where the headers and their lengths are
            for _ in 0..<(1 + rng.below(3)) where !b.isEmpty { b[rng.below(min(64, b.count))] = [0, 0xFF, 0x0F, 0xF0][rng.below(4)] }
        case 3:  // trailing garbage
            b += (0..<rng.below(40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        default:
            break
        }
        return b
    }

    @Test(arguments: [Int32(1), 113, 276, 12, 101, 228, 229, 0, 108])
    func randomAndMutatedPacketsNeverCrash(linkType: Int32) throws {
        var rng = SplitMix64(seed: 0x5EED_0000 + UInt64(linkType))
        var decoder = try PacketDecoder(linkType: linkType)
        var time: UInt64 = 1_765_000_000_000_000_000
        let count = 3_000
        var payloads = 0
        for number in 1...count {
            let bytes: [UInt8]
            if rng.below(4) == 0 {
                bytes = (0..<rng.below(120)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = Self.mutate(Self.framed(Self.seeds[rng.below(Self.seeds.count)], linkType, &rng), &rng)
            }
            time += UInt64(rng.below(2_000_000_000))
            let original = rng.below(5) == 0 ? bytes.count + rng.below(3_000) : bytes.count
            let packet = PcapPacket(timestamp: time, bytes: bytes, originalLength: original)
            for result in decoder.decode(packet, number: number) {
                #expect((1...number).contains(result.number))
                if result.payload != nil { payloads += 1 }
                if case .skipped(_, _, let detail) = result { #expect(!detail.isEmpty) }
            }
        }
        for result in decoder.finish() { #expect((1...count).contains(result.number)) }
        #expect(payloads > 300, "the mutations leave many packets whole: the fuzzing reaches UDP and TCP")
    }

    @Test func edgeCasesOfLengthDoNotCrash() throws {
        let inputs: [[UInt8]] = [
            [], [0x40], [0x60], [0x45] + Array(repeating: 0, count: 19), [0x4F] + Array(repeating: 0xFF, count: 19),
            [0x60] + Array(repeating: 0xFF, count: 39), B.ipv4([], proto: 17), B.ipv4([], proto: 6), B.ipv4([], proto: 4),
            B.ipv4([], proto: 41), B.ipv6([], nextHeader: 44), B.ipv6([44, 0], nextHeader: 0),
            B.ipv4([0, 0, 0, 0, 0, 0, 0, 0], moreFragments: false, offset: 65_528),
        ]
        for linkType: Int32 in [1, 113, 276, 12, 0, 108] {
            var decoder = try PacketDecoder(linkType: linkType)
            for (i, input) in inputs.enumerated() {
                _ = decoder.decode(PcapPacket(timestamp: 0, bytes: input, originalLength: 0), number: i + 1)
                _ = decoder.decode(PcapPacket(timestamp: 0, bytes: input, originalLength: Int.max / 2), number: i + 1)
            }
            _ = decoder.finish()
        }
    }
}
