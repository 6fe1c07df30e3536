import Testing
@testable import SIPPcap

/// TCP bytes in sequence order, one direction at a time (RFC 9293 §3.4, §3.10.7.4), read like a transcript:
/// one segment a line.
@Suite struct TCPStreamTests {
    typealias B = PacketBuilder

    /// A client→server segment (192.0.2.1:40000 → 192.0.2.2:5060) as a raw IPv4 packet.
    static func c(_ seq: UInt32, _ text: String = "", flags: UInt8 = B.ack | B.psh) -> [UInt8] {
        B.ipv4(B.tcp(seq: seq, flags: flags, Array(text.utf8)), proto: 6)
    }

    /// A server→client segment.
    static func s(_ seq: UInt32, _ text: String = "", flags: UInt8 = B.ack | B.psh) -> [UInt8] {
        B.ipv4(B.tcp(5060, 40_000, seq: seq, flags: flags, Array(text.utf8)), proto: 6, from: B.b4, to: B.a4)
    }

    /// What each payload says, with its packet number and a `~` before when it comes after a gap.
    static func transcript(_ results: [DecodeResult]) -> [String] {
        results.payloads.map { "\($0.packetNumber):\($0.gapBefore ? "~" : "")\(String(decoding: $0.bytes, as: UTF8.self))" }
    }

    @Test func aHandshakeThenDataInOrder() throws {
        let results = try B.decodeAll([
            Self.c(1_000, flags: B.syn),
            Self.s(9_000, flags: B.syn | B.ack),
            Self.c(1_001, flags: B.ack),
            Self.c(1_001, "INVITE"),
            Self.s(9_001, "100 Trying"),
            Self.c(1_007, " sip:b"),
        ])
        #expect(Self.transcript(results) == ["4:INVITE", "5:100 Trying", "6: sip:b"])
        #expect(results.skips == [.tcpNoPayload, .tcpNoPayload, .tcpNoPayload])
        #expect(results[0].detail == "a TCP segment with no payload (SYN)")
        let first = try #require(results.payloads.first)
        #expect(first.transport == .tcp && first.source.description == "192.0.2.1:40000")
        #expect(results.payloads[1].source.description == "192.0.2.2:5060")
    }

    @Test func outOfOrderSegmentsWaitAndComeOutWithTheOneThatFillsTheGap() throws {
        let results = try B.decodeAll([
            Self.c(100, flags: B.syn),
            Self.c(105, "CC"),   // held
            Self.c(103, "BB"),   // held
            Self.c(101, "AA"),   // fills the gap: AA BB CC at once
            Self.c(107, "DD"),
        ])
        #expect(Self.transcript(results) == ["4:AABBCC", "5:DD"])
        #expect(results.count == 3, "the SYN, then nothing for the held segments")
    }

    @Test func retransmissionsAreSkippedAndPartialOverlapsTrimmed() throws {
        let results = try B.decodeAll([
            Self.c(100, flags: B.syn),
            Self.c(101, "ABCD"),
            Self.c(101, "ABCD"),     // all of it again
            Self.c(103, "CDEF"),     // CD again, EF new
            Self.c(109, "IJ"),       // held
            Self.c(107, "GHIJKL"),   // GH new, IJ overlaps the held segment, KL new
        ])
        #expect(Self.transcript(results) == ["2:ABCD", "4:EF", "6:GHIJKL"])
        #expect(results.skips == [.tcpNoPayload, .tcpRetransmission])
        #expect(results[2].detail == "all 4 bytes of the segment were delivered before")
    }

    @Test func aStreamSeenMidWayStartsAfterAGap() throws {
        let results = try B.decodeAll([Self.c(5_000, "ring;tag=1\r\n"), Self.c(5_012, "\r\n"), Self.s(77, "OK")])
        #expect(Self.transcript(results) == ["1:~ring;tag=1\r\n", "2:\r\n", "3:~OK"])
    }

    /// A segment sent again while it still waits behind a gap is a retransmission too, not a second copy held.
    @Test func aSegmentSentAgainWhileItWaitsIsARetransmission() throws {
        let results = try B.decodeAll([
            Self.c(100, flags: B.syn),
            Self.c(103, "CD"),   // held
            Self.c(103, "CD"),   // the same again
            Self.c(103, "C"),    // less of it
            Self.c(101, "AB"),
        ])
        #expect(Self.transcript(results) == ["5:ABCD"])
        #expect(results.skips == [.tcpNoPayload, .tcpRetransmission, .tcpRetransmission])
        #expect(results.map(\.number) == [1, 3, 4, 5])
        #expect(results[1].detail == "the segment's 2 bytes already wait, behind a gap, in one sent before")
    }

    @Test func sequenceNumbersWrapAround() throws {
        let results = try B.decodeAll([
            Self.c(0xFFFF_FFFE, flags: B.syn),  // ISN 2³²−2: data starts at 2³²−1
            Self.c(0x0000_0001, "CD"),          // after the wrap: held
            Self.c(0xFFFF_FFFF, "AB"),          // AB spans the wrap
            Self.c(0xFFFF_FFFF, "AB"),
        ])
        #expect(Self.transcript(results) == ["3:ABCD"])
        #expect(results.skips == [.tcpNoPayload, .tcpRetransmission])
    }

    @Test func finAndRstEndADirection() throws {
        let results = try B.decodeAll([
            Self.c(100, flags: B.syn),
            Self.c(101, "BYE", flags: B.ack | B.fin),
            Self.c(300, "again"),        // a direction begun afresh: no SYN, so after a gap
            Self.c(305, flags: B.rst),
            Self.c(400, "more"),
        ])
        #expect(Self.transcript(results) == ["2:BYE", "3:~again", "5:~more"])
    }

    @Test func aFinBeforeTheGapFillsWaitsForIt() throws {
        let results = try B.decodeAll([Self.c(100, flags: B.syn), Self.c(103, "CD", flags: B.fin | B.ack), Self.c(101, "AB"),
                                       Self.c(105, "late")])
        #expect(Self.transcript(results) == ["3:ABCD", "4:~late"])
    }

    @Test func bytesStuckBehindAGapComeOutAtTheEndAfterAGap() throws {
        let results = try B.decodeAll([Self.c(100, flags: B.syn), Self.c(101, "AB"), Self.c(110, "XY"), Self.c(112, "Z"),
                                       Self.c(120, "Q")])
        #expect(Self.transcript(results) == ["2:AB", "3:~XYZ", "5:~Q"], "credited to the packet that carried them")
    }

    @Test func waitingPastTheBufferLimitGivesUpOnTheGap() throws {
        var decoder = try PacketDecoder(linkType: 12)
        let chunk = String(repeating: "x", count: 1_000)
        var out: [DecodeResult] = decoder.decode(B.packet(Self.c(0, flags: B.syn)), number: 1)
        // Byte 1 never comes: 1,048 segments of 1,000 bytes wait behind it; the 1,049th crosses 1 MiB.
        var number = 1
        for k in 0..<1_048 {
            number += 1
            out += decoder.decode(B.packet(Self.c(UInt32(2 + 1_000 * k), chunk)), number: number)
        }
        #expect(out.payloads.count == 0)
        number += 1
        out += decoder.decode(B.packet(Self.c(UInt32(2 + 1_000 * 1_048), chunk)), number: number)
        let given = out.payloads
        #expect(given.count == 1 && given[0].gapBefore && given[0].packetNumber == number)
        #expect(given.first?.bytes.count == 1_049 * 1_000)
        #expect(decoder.finish().isEmpty)
    }

    @Test func aSegmentTheSnapLengthCutLeavesAGapForWhatFollows() throws {
        var decoder = try PacketDecoder(linkType: 12)
        _ = decoder.decode(B.packet(Self.c(100, flags: B.syn)), number: 1)
        let whole = Self.c(101, "ABCDEFGH")
        let cut = decoder.decode(B.packet(Array(whole.prefix(whole.count - 3)), originalLength: whole.count), number: 2)
        #expect(cut.skips == [.cutBySnapLength])
        #expect(cut.first?.detail?.hasPrefix("the TCP payload lacks its last 3 bytes") == true)
        let next = decoder.decode(B.packet(Self.c(109, "IJ")), number: 3)
        #expect(Self.transcript(next) == ["3:~IJ"])
    }

    /// The snap length cut the segment, not the stream: the bytes it kept come out (whole messages in them are
    /// still read), and only what follows the cut comes after a gap.
    @Test func whatTheSnapLengthKeptOfASegmentIsStillDelivered() throws {
        var decoder = try PacketDecoder(linkType: 12)
        _ = decoder.decode(B.packet(Self.c(100, flags: B.syn)), number: 1)
        let whole = Self.c(101, "ABCDEFGH")
        let cut = decoder.decode(B.packet(Array(whole.prefix(whole.count - 3)), originalLength: whole.count), number: 2)
        #expect(cut.skips == [.cutBySnapLength] && Self.transcript(cut) == ["2:ABCDE"])
        #expect(Self.transcript(decoder.decode(B.packet(Self.c(109, "IJ")), number: 3)) == ["3:~IJ"])
        // A direction first seen in a cut segment starts with what was kept, after a gap.
        let first = Self.s(7_000, "SIP/2.0 200 OK\r\n")
        let seen = decoder.decode(B.packet(Array(first.prefix(first.count - 2)), originalLength: first.count), number: 4)
        #expect(Self.transcript(seen) == ["4:~SIP/2.0 200 OK"])
        #expect(Self.transcript(decoder.decode(B.packet(Self.s(7_016, "more")), number: 5)) == ["5:~more"])
    }

    @Test func aBadDataOffsetIsMalformed() throws {
        var segment = B.tcp(seq: 1, [1, 2])
        segment[12] = 0x40
        var past = B.tcp(seq: 1, [1, 2])
        past[12] = 0xF0
        #expect(try B.decodeAll([B.ipv4(segment, proto: 6), B.ipv4(past, proto: 6)]).skips == [.malformedTCP, .malformedTCP])
        let options = B.tcp(seq: 7, [0x41], options: [1, 1, 1, 0, 2, 4, 5, 0xB4])
        #expect(try B.decodeAll([B.ipv6(options, nextHeader: 6)]).payloads.map(\.bytes) == [[0x41]], "options skipped")
    }
}
