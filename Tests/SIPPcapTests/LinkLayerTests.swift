import Testing
@testable import SIPPcap

/// Every supported link type leads to the same UDP datagram; other frames are `notIP`, short ones `truncated`.
@Suite struct LinkLayerTests {
    typealias B = PacketBuilder
    static let v4 = B.ipv4(B.udp())
    static let v6 = B.ipv6(B.udp())

    /// The one UDP payload `frame` yields on `linkType`, checked for addresses and ports.
    func expectSIP(_ frame: [UInt8], linkType: Int32, v6: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let results = try B.decodeAll([frame], linkType: linkType)
        #expect(results.count == 1, "\(results)", sourceLocation: sourceLocation)
        let payload = try #require(results.first?.payload, sourceLocation: sourceLocation)
        #expect(payload.bytes == B.sip, sourceLocation: sourceLocation)
        #expect(payload.transport == .udp && payload.packetNumber == 1 && !payload.gapBefore, sourceLocation: sourceLocation)
        #expect(payload.source.description == (v6 ? "[2001:db8::1]:5070" : "192.0.2.1:5070"), sourceLocation: sourceLocation)
        #expect(payload.destination.description == (v6 ? "[2001:db8::2]:5060" : "192.0.2.2:5060"), sourceLocation: sourceLocation)
    }

    @Test func ethernetCarriesIPv4AndIPv6() throws {
        try expectSIP(B.ethernet(Self.v4), linkType: 1)
        try expectSIP(B.ethernet(Self.v6, type: 0x86DD), linkType: 1, v6: true)
    }

    @Test func vlanTagsAreFollowedStackedInAnyMix() throws {
        try expectSIP(B.ethernet(Self.v4, tags: [0x8100]), linkType: 1)
        try expectSIP(B.ethernet(Self.v4, tags: [0x88A8, 0x8100]), linkType: 1)
        try expectSIP(B.ethernet(Self.v6, type: 0x86DD, tags: [0x9100, 0x88A8, 0x8100]), linkType: 1, v6: true)
    }

    @Test func linuxCookedHeadersOfBothVersions() throws {
        try expectSIP(B.sll(Self.v4), linkType: 113)
        try expectSIP(B.sll(Self.v6, protocol: 0x86DD), linkType: 113, v6: true)
        try expectSIP(B.sll2(Self.v4), linkType: 276)
        try expectSIP(B.sll2(Self.v6, protocol: 0x86DD), linkType: 276, v6: true)
    }

    @Test func rawIPUnderEveryNumberItHas() throws {
        for dlt: Int32 in [12, 14, 101, 228] { try expectSIP(Self.v4, linkType: dlt) }
        for dlt: Int32 in [12, 14, 101, 229] { try expectSIP(Self.v6, linkType: dlt, v6: true) }
    }

    @Test func bsdLoopbackInEitherByteOrderAndEveryIPv6Family() throws {
        try expectSIP(B.null(Self.v4), linkType: 0)
        try expectSIP(B.null(Self.v4, bigEndian: true), linkType: 0)
        for family: UInt32 in [24, 28, 30] {
            try expectSIP(B.null(Self.v6, family: family), linkType: 0, v6: true)
            try expectSIP(B.null(Self.v6, family: family, bigEndian: true), linkType: 0, v6: true)
            try expectSIP(B.loop(Self.v6, family: family), linkType: 108, v6: true)
        }
        try expectSIP(B.loop(Self.v4), linkType: 108)
    }

    @Test func framesThatAreNotIPSayWhat() throws {
        let results = try B.decodeAll([B.ethernet([0, 1, 8, 0], type: 0x0806), B.ethernet([1, 2], type: 0x88CC),
                                       B.ethernet([0xAA, 0xAA, 3], type: 46), B.ethernet(Self.v4, tags: [0x8100]),
                                       B.ethernet([], type: 0x86DD)], linkType: 1)
        #expect(results.skips == [.notIP, .notIP, .notIP, .truncated])
        #expect(results[0].detail == "EtherType 0x0806 (ARP) is not IP")
        #expect(results[1].detail == "EtherType 0x88CC (LLDP) is not IP")
        #expect(results.payloads.count == 1)
        #expect(try B.decodeAll([B.null(Self.v4, family: 7)], linkType: 0).skips == [.notIP])
        #expect(try B.decodeAll([B.sll2(Self.v4, protocol: 0x0004)], linkType: 276).skips == [.notIP])
    }

    @Test func aFrameShorterThanItsLinkHeaderIsTruncatedOrCut() throws {
        #expect(try B.decodeAll([[0, 1, 2]], linkType: 1).skips == [.truncated])
        #expect(try B.decodeAll([Array(B.ethernet(Self.v4, tags: [0x8100]).prefix(15))], linkType: 1).skips == [.truncated])
        #expect(try B.decodeAll([Array(B.sll(Self.v4).prefix(15))], linkType: 113).skips == [.truncated])
        #expect(try B.decodeAll([[]], linkType: 12).skips == [.truncated])
        var decoder = try PacketDecoder(linkType: 1)
        let cut = decoder.decode(B.packet([0, 1, 2, 3], originalLength: 60), number: 1)
        #expect(cut.skips == [.cutBySnapLength])
    }

    @Test func anUnsupportedLinkTypeIsOneSentenceListingWhatIs() {
        #expect(throws: PcapError("link type 105 is not supported; sipflow reads Ethernet (1), Linux cooked SLL (113) "
                                  + "and SLL2 (276), raw IP (12, 14, 101, 228, 229), BSD loopback NULL (0) and LOOP (108)")) {
            try PacketDecoder(linkType: 105)
        }
    }

    @Test func endpointsPrintAsRFC5952Says() {
        func v6(_ groups: [UInt16]) -> PacketEndpoint.Address { .v6(groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }) }
        #expect(PacketEndpoint(address: .v4(0x7F00_0001), port: 5060).description == "127.0.0.1:5060")
        #expect(PacketEndpoint(address: v6([0, 0, 0, 0, 0, 0, 0, 1]), port: 5060).description == "[::1]:5060")
        #expect(v6([0, 0, 0, 0, 0, 0, 0, 0]).description == "::")
        #expect(v6([0x2001, 0xDB8, 0, 0, 0, 0, 0, 1]).description == "2001:db8::1")
        #expect(v6([0x2001, 0xDB8, 0, 1, 1, 1, 1, 1]).description == "2001:db8:0:1:1:1:1:1", "one zero group stays")
        #expect(v6([0x2001, 0, 0, 1, 0, 0, 0, 1]).description == "2001:0:0:1::1", "the longest run")
        #expect(v6([0x2001, 0xDB8, 0, 0, 1, 0, 0, 1]).description == "2001:db8::1:0:0:1", "the first of equal runs")
        #expect(v6([0xFE80, 0, 0, 0, 0, 0, 0, 0]).description == "fe80::")
        #expect(v6([0, 0, 0, 0, 0, 0xFFFF, 0xC000, 0x0201]).description == "::ffff:192.0.2.1")
        #expect(v6([0x2001, 0xDB8, 0xABCD, 0x12, 0, 0, 0, 0xF]).description == "2001:db8:abcd:12::f")
    }
}
