import Testing
@testable import SIPPcap

/// IPv4 options and lengths, IPv6 extension headers, tunnels, UDP on any port, and the snap length.
@Suite struct IPDecodingTests {
    typealias B = PacketBuilder

    @Test func ipv4OptionsAreSkippedByTheHeaderLength() throws {
        let options: [UInt8] = [0x94, 4, 0, 0, 1, 1, 1, 0]  // Router Alert, NOP, NOP, NOP, EOL: IHL 7
        let results = try B.decodeAll([B.ipv4(B.udp(), options: options)])
        #expect(results.payloads.map(\.bytes) == [B.sip])
        #expect(results.payloads.first?.source.port == 5070)
    }

    @Test func aBadIPv4HeaderIsMalformed() throws {
        var shortIHL = B.ipv4(B.udp())
        shortIHL[0] = 0x44
        var version = B.ipv4(B.udp())
        version[0] = 0x55
        var totalBelowHeader = B.ipv4(B.udp())
        totalBelowHeader[3] = 10
        let results = try B.decodeAll([shortIHL, version, totalBelowHeader])
        #expect(results.skips == [.malformedIP, .malformedIP, .malformedIP])
        #expect(results[0].detail == "IPv4 header length 16 is below 20 bytes")
        #expect(results[1].detail == "IP version 5 is neither 4 nor 6")
    }

    @Test func lengthsPastTheEndAreTruncatedAndPaddingIsTrimmed() throws {
        let long = B.ipv4(B.udp(), totalLength: 20 + 8 + B.sip.count + 10)
        let udpLong = B.ipv4(B.udp(length: 8 + B.sip.count + 1))
        let padded = B.ethernet(B.ipv4(B.udp(5060, 5060, [1, 2])) + Array(repeating: 0xEE, count: 18))
        #expect(try B.decodeAll([long, udpLong]).skips == [.truncated, .truncated])
        #expect(try B.decodeAll([padded], linkType: 1).payloads.map(\.bytes) == [[1, 2]], "Ethernet padding is not payload")
        #expect(try B.decodeAll([B.ipv4(B.udp(length: 7))]).skips == [.malformedUDP])
    }

    @Test func aZeroTotalLengthFromSegmentationOffloadMeansTheCapturedBytes() throws {
        #expect(try B.decodeAll([B.ipv4(B.udp(), totalLength: 0)]).payloads.map(\.bytes) == [B.sip])
    }

    @Test func udpOnAnyPortIsDelivered() throws {
        let frames = [B.ipv4(B.udp(1, 2)), B.ipv4(B.udp(65_535, 53)), B.ipv6(B.udp(12_345, 80))]
        let payloads = try B.decodeAll(frames).payloads
        #expect(payloads.map(\.destination.port) == [2, 53, 80])
        #expect(payloads.allSatisfy { $0.bytes == B.sip && $0.transport == .udp })
    }

    @Test func ipv6ExtensionHeadersAreWalkedToTheUpperLayer() throws {
        let chain = B.optionsHeader(next: IPProtocol.routing) + B.optionsHeader(next: IPProtocol.destinationOptions, extraUnits: 1)
            + B.optionsHeader(next: IPProtocol.udp)
        let frame = B.ipv6(B.udp(), nextHeader: IPProtocol.hopByHop, extensions: chain)
        let atomic = B.ipv6(B.udp(), nextHeader: IPProtocol.fragment, extensions: B.fragmentHeader(next: 17, offset: 0, more: false))
        let payloads = try B.decodeAll([frame, atomic]).payloads
        #expect(payloads.map(\.bytes) == [B.sip, B.sip], "an atomic fragment (RFC 6946) is a whole packet")
        #expect(payloads.first?.source.description == "[2001:db8::1]:5070")
        let cutChain = B.ipv6([], nextHeader: IPProtocol.hopByHop, extensions: [17, 4, 0, 0])
        #expect(try B.decodeAll([cutChain]).skips == [.truncated])
    }

    @Test func otherProtocolsAreNamed() throws {
        let results = try B.decodeAll([B.ipv4([8, 0, 0, 0], proto: 1), B.ipv6([0, 0], nextHeader: 58),
                                       B.ipv4([0, 0, 0, 0], proto: 132), B.ipv6([], nextHeader: 59)])
        #expect(results.skips == Array(repeating: .notUDPOrTCP, count: 4))
        #expect(results[0].detail == "IP protocol 1 (ICMP) is neither UDP nor TCP")
        #expect(results[2].detail == "IP protocol 132 (SCTP) is neither UDP nor TCP")
    }

    @Test func tunnelsAreDecodedToTheInnerPacket() throws {
        let inner4 = B.ipv4(B.udp(), from: 0x0A00_0001, to: 0x0A00_0002)
        let inner6 = B.ipv6(B.udp())
        let frames = [B.ipv4(inner4, proto: 4), B.ipv4(inner6, proto: 41), B.ipv6(inner4, nextHeader: 4),
                      B.ipv6(inner6, nextHeader: 41), B.ipv4(B.ipv4(inner4, proto: 4), proto: 4)]
        let payloads = try B.decodeAll(frames).payloads
        #expect(payloads.map(\.source.description) == ["10.0.0.1:5070", "[2001:db8::1]:5070", "10.0.0.1:5070",
                                                        "[2001:db8::1]:5070", "10.0.0.1:5070"])
        #expect(payloads.allSatisfy { $0.bytes == B.sip })
        var deep = inner4
        for _ in 0..<6 { deep = B.ipv4(deep, proto: 4) }
        #expect(try B.decodeAll([deep]).skips == [.malformedIP])
    }

    @Test func aPayloadTheSnapLengthCutSaysHowMuchIsMissing() throws {
        let whole = B.ethernet(B.ipv4(B.udp()))
        var decoder = try PacketDecoder(linkType: 1)
        let results = decoder.decode(B.packet(Array(whole.prefix(60)), originalLength: whole.count), number: 1)
        #expect(results.skips == [.cutBySnapLength])
        let missing = whole.count - 60
        #expect(results.first?.detail == "the UDP payload lacks its last \(missing) bytes (the snap length kept 60 of \(whole.count))")
        let headerCut = decoder.decode(B.packet(Array(whole.prefix(30)), originalLength: whole.count), number: 2)
        #expect(headerCut.skips == [.cutBySnapLength])
        let padOnly = B.ethernet(B.ipv4(B.udp(5060, 5060, [1])) + [0, 0, 0, 0])
        let kept = decoder.decode(B.packet(Array(padOnly.prefix(padOnly.count - 4)), originalLength: padOnly.count), number: 3)
        #expect(kept.payloads.map(\.bytes) == [[1]], "a cut that takes only the padding loses nothing")
        let tcp = B.ethernet(B.ipv4(B.tcp(seq: 1, [1, 2, 3, 4, 5, 6]), proto: 6))
        #expect(decoder.decode(B.packet(Array(tcp.prefix(56)), originalLength: tcp.count), number: 4).skips == [.cutBySnapLength])
    }
}
