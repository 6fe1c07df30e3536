import Foundation
import Testing
@testable import SIPPcap

@Suite struct PcapFileTests {
    static let local4 = PacketEndpoint(address: .v4(0x7F00_0001), port: 5070)  // 127.0.0.1
    static let remote4 = PacketEndpoint(address: .v4(0xC000_0205), port: 5060)  // 192.0.2.5
    static let local6 = PacketEndpoint(address: .v6(Array(repeating: 0, count: 15) + [1]), port: 5070)  // ::1
    static let remote6 = PacketEndpoint(address: .v6([0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [5]),
                                        port: 5060)  // 2001:db8::5
    static let options = Array("OPTIONS sip:b@192.0.2.5 SIP/2.0\r\nContent-Length: 0\r\n\r\n".utf8)

    static func packet(_ payload: [UInt8], _ from: PacketEndpoint, _ to: PacketEndpoint) -> [UInt8] {
        var packet: [UInt8] = []
        payload.withUnsafeBytes { #expect(UDPPacket.write($0, from: from, to: to, into: &packet)) }
        return packet
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).pcap").path
    }

    @Test func anIPv4PacketHasItsHeadersAndValidChecksums() {
        let p = Self.packet(Self.options, Self.local4, Self.remote4)
        #expect(p.count == 20 + 8 + Self.options.count)
        #expect(p[0] == 0x45 && p[9] == 17 && p[8] == 64, "IPv4, 20-byte header, UDP, TTL 64")
        #expect(Int(p[2]) << 8 | Int(p[3]) == p.count, "total length")
        #expect(Array(p[12..<20]) == [127, 0, 0, 1, 192, 0, 2, 5])
        #expect(UDPPacket.fold(UDPPacket.sum(p, 0..<20)) == 0, "the header checksum verifies")
        #expect(Array(p[20..<24]) == [0x13, 0xCE, 0x13, 0xC4], "ports 5070 → 5060")
        let udpLength = p.count - 20
        let pseudo = UDPPacket.sum(p, 12..<20) + 17 + UInt32(udpLength)
        #expect(UDPPacket.fold(pseudo + UDPPacket.sum(p, 20..<p.count)) == 0, "the UDP checksum verifies")
        #expect(Array(p[28...]) == Self.options)
    }

    @Test func anIPv6PacketHasItsHeadersAndAValidUDPChecksum() {
        let odd = Self.options + [0x41]  // an odd length pads the checksum's last word
        let p = Self.packet(odd, Self.remote6, Self.local6)
        #expect(p.count == 40 + 8 + odd.count)
        #expect(p[0] >> 4 == 6 && p[6] == 17 && p[7] == 64, "IPv6, next header UDP, hop limit 64")
        #expect(Int(p[4]) << 8 | Int(p[5]) == 8 + odd.count, "payload length")
        let pseudo = UDPPacket.sum(p, 8..<40) + 17 + UInt32(8 + odd.count)
        #expect(UDPPacket.fold(pseudo + UDPPacket.sum(p, 40..<p.count)) == 0)
        #expect(p[46] != 0 || p[47] != 0, "IPv6 UDP always has a checksum (RFC 8200 §8.1)")
    }

    @Test func mixedVersionsOrAnOversizedPayloadMakeNoPacket() {
        var packet: [UInt8] = [1, 2, 3]
        Self.options.withUnsafeBytes { #expect(!UDPPacket.write($0, from: Self.local4, to: Self.local6, into: &packet)) }
        #expect(packet.isEmpty)
        let big = [UInt8](repeating: 0x20, count: UDPPacket.maxPayload + 1)
        big.withUnsafeBytes { #expect(!UDPPacket.write($0, from: Self.local4, to: Self.remote4, into: &packet)) }
        let largest = [UInt8](repeating: 0x20, count: UDPPacket.maxPayload)
        largest.withUnsafeBytes { #expect(UDPPacket.write($0, from: Self.local4, to: Self.remote4, into: &packet)) }
        #expect(packet.count == 65_535)
    }

    @Test func whatIsWrittenReadsBackWithItsTimes() throws {
        let path = Self.temporaryPath("rw")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let packets = [Self.packet(Self.options, Self.local4, Self.remote4), Self.packet(Self.options, Self.remote6, Self.local6)]
        let times: [UInt64] = [1_765_000_000_123_456_789, 1_765_000_001_000_001_999]
        let writer = try PcapFileWriter(path: path)
        for (p, t) in zip(packets, times) { p.withUnsafeBytes { writer.write($0, timestamp: t) } }
        try writer.flush()
        writer.close()

        let reader = try PcapFileReader(path: path)
        #expect(reader.linkType == PcapLinkType.rawIP.dlt)
        var read: [PcapPacket] = []
        while let p = try reader.next() { read.append(p) }
        #expect(read.map(\.bytes) == packets)
        #expect(read.map(\.timestamp) == [1_765_000_000_123_456_000, 1_765_000_001_000_001_000], "microseconds kept")
        #expect(read.map(\.originalLength) == packets.map(\.count))
    }

    @Test func aFileThatCannotBeMadeIsOneSentence() {
        #expect(throws: PcapError("cannot create '/nonexistent-dir/x.pcap': No such file or directory")) {
            try PcapFileWriter(path: "/nonexistent-dir/x.pcap")
        }
        #expect(throws: PcapError.self) { try PcapFileReader(path: "/nonexistent-dir/x.pcap") }
    }

    @Test func aDeviceWithNoRoomIsOneSentence() {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        #expect(throws: PcapError("cannot write '/dev/full': No space left on device")) {
            try PcapFileWriter(path: "/dev/full")
        }
    }

    @Test func aFileCutShortIsAnErrorAfterThePacketsBeforeIt() throws {
        let path = Self.temporaryPath("cut")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapFileWriter(path: path)
        let p = Self.packet(Self.options, Self.local4, Self.remote4)
        for i in 0..<2 { p.withUnsafeBytes { writer.write($0, timestamp: UInt64(i) * 1_000_000_000) } }
        writer.close()
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        try whole.dropLast(10).write(to: URL(fileURLWithPath: path))
        let reader = try PcapFileReader(path: path)
        #expect(try reader.next()?.bytes == p)
        #expect(throws: PcapError.self) { try reader.next() }
    }
}
