import Testing
import TestSupport
@testable import SIPPcap

/// IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) reassembly: any order, duplicates and overlaps, bounded memory.
@Suite struct FragmentReassemblyTests {
    typealias B = PacketBuilder
    /// A SIP message large enough to need fragments.
    static let big: [UInt8] = (0..<3_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    @Test func ipv4FragmentsInOrderMakeOneDatagramWhenTheLastComes() throws {
        let frames = B.fragments4(B.udp(5070, 5060, Self.big), size: 1_480)
        #expect(frames.count == 3)
        let results = try B.decodeAll(frames)
        #expect(results.count == 1, "nothing for the fragments held")
        let payload = try #require(results.first?.payload)
        #expect(payload.bytes == Self.big && payload.packetNumber == 3)
        #expect(payload.source.description == "192.0.2.1:5070")
    }

    @Test func ipv4FragmentsInAnyOrderWithDuplicatesAndOverlaps() throws {
        let datagram = B.udp(5070, 5060, Self.big)
        var rng = SplitMix64(seed: 44)
        for _ in 0..<20 {
            // At least four fragments, shuffled; copies of two of them and an overlapping fragment (bytes
            // 16..<1016 again) come anywhere before the last.
            let originals = B.fragments4(datagram, size: 8 * (1 + rng.below(125)))
            var frames = originals.shuffled(using: &rng)
            let extras = [originals[rng.below(originals.count)], originals[rng.below(originals.count)],
                          B.ipv4(Array(datagram[16..<1_016]), moreFragments: true, offset: 16)]
            for extra in extras { frames.insert(extra, at: rng.below(frames.count)) }
            let results = try B.decodeAll(frames)
            #expect(results.payloads.map(\.bytes) == [Self.big])
            #expect(results.payloads.count == 1, "delivered once, when whole")
        }
    }

    @Test func ipv6FragmentsWithExtensionHeadersAfterTheFragmentHeader() throws {
        let fragmentable = B.optionsHeader(next: IPProtocol.udp) + B.udp(5070, 5060, Self.big)
        let frames = Array(B.fragments6(fragmentable, next: IPProtocol.destinationOptions, size: 1_232).reversed())
        let results = try B.decodeAll(frames)
        #expect(results.payloads.map(\.bytes) == [Self.big])
        #expect(results.payloads.first?.source.description == "[2001:db8::1]:5070")
        #expect(results.payloads.first?.packetNumber == frames.count)
    }

    @Test func fragmentedTunnelsReassembleTheOuterPacket() throws {
        let inner = B.ipv6(B.udp(5070, 5060, Self.big))
        let results = try B.decodeAll(B.fragments4(inner, size: 1_400, proto: 41))
        #expect(results.payloads.map(\.bytes) == [Self.big])
        #expect(results.payloads.first?.source.description == "[2001:db8::1]:5070")
    }

    @Test func datagramsDifferingInIdentificationDoNotMix() throws {
        let one = B.fragments4(B.udp(1, 1, Self.big), size: 1_480, id: 1)
        let two = B.fragments4(B.udp(2, 2, Array(Self.big.reversed())), size: 1_480, id: 2)
        let results = try B.decodeAll([one[0], two[0], two[2], one[1], one[2], two[1]])
        #expect(results.payloads.map(\.source.port) == [1, 2])
        #expect(results.payloads.map(\.bytes) == [Self.big, Array(Self.big.reversed())])
    }

    @Test func fragmentsThatNeverCompleteAreReportedAtTheEnd() throws {
        let frames = B.fragments4(B.udp(5070, 5060, Self.big), size: 1_480)
        let results = try B.decodeAll([frames[0], frames[2]])
        #expect(results.skips == [.fragmentIncomplete])
        #expect(results.first?.number == 1, "credited to the first fragment")
        #expect(results.first?.detail == "a datagram of 2 fragment(s), 1528 bytes, was given up: the capture ended before its fragments did")
    }

    @Test func fragmentsOlderThanThirtySecondsOfCaptureTimeAreGivenUp() throws {
        let frames = B.fragments4(B.udp(5070, 5060, Self.big), size: 1_480)
        let results = try B.decodeAll([frames[0], frames[1], B.ipv4(B.udp()), frames[2]], times: [0, 1, 31, 32])
        #expect(results.skips == [.fragmentIncomplete, .fragmentIncomplete])
        #expect(results.payloads.map(\.bytes) == [B.sip], "the late last fragment starts a datagram that never completes")
        #expect(results.map(\.number) == [1, 3, 4])
    }

    @Test func atMostAThousandDatagramsWaitTheOldestGoFirst() throws {
        var decoder = try PacketDecoder(linkType: 12)
        var given: [Int] = []
        for id in 0..<1_005 {
            let first = B.fragments4(B.udp(5070, 5060, Self.big), size: 1_480, id: id)[0]
            given += decoder.decode(B.packet(first), number: id + 1).filter { $0.skip == .fragmentIncomplete }.map(\.number)
        }
        #expect(given == [1, 2, 3, 4, 5])
        #expect(decoder.fragments.count == 1_000)
        #expect(decoder.finish().count == 1_000)
    }

    @Test func aFragmentPastTheLargestDatagramIsMalformed() throws {
        let frame = B.ipv4(Array(repeating: 0, count: 100), moreFragments: true, offset: 65_480)
        #expect(try B.decodeAll([frame]).skips == [.malformedIP])
    }

    @Test func aFragmentTheSnapLengthCutIsReported() throws {
        let frames = B.fragments4(B.udp(5070, 5060, Self.big), size: 1_480)
        var decoder = try PacketDecoder(linkType: 12)
        let results = decoder.decode(B.packet(Array(frames[0].prefix(200)), originalLength: frames[0].count), number: 1)
        #expect(results.skips == [.cutBySnapLength])
    }
}
