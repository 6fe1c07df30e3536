import Foundation
import Testing
@testable import SIPPcap

/// End to end through libpcap, per link type: frames written with `PcapFileWriter`, read back with
/// `PcapFileReader`, decoded; where tshark is installed, it finds the same number of UDP and TCP payloads.
@Suite struct PcapRoundTripTests {
    typealias B = PacketBuilder

    /// Frames of `linkType` around a UDP datagram (IPv4 and IPv6 where the link can carry both), a TCP handshake
    /// segment and a TCP data segment.
    static func frames(_ linkType: PcapLinkType) -> [[UInt8]] {
        let v4 = [B.ipv4(B.udp()), B.ipv4(B.tcp(seq: 99, flags: B.syn), proto: 6), B.ipv4(B.tcp(seq: 100, B.sip), proto: 6)]
        let v6 = [B.ipv6(B.udp(5080, 5060)), B.ipv6(B.tcp(41_000, 5060, seq: 7, B.sip), nextHeader: 6)]
        switch linkType {
        case .ethernet: return v4.map { B.ethernet($0) } + v6.map { B.ethernet($0, type: 0x86DD, tags: [0x8100]) }
                            + [B.ethernet(Array(repeating: 0, count: 28), type: 0x0806)]
        case .linuxCooked: return v4.map { B.sll($0) } + v6.map { B.sll($0, protocol: 0x86DD) }
        case .linuxCooked2: return v4.map { B.sll2($0) } + v6.map { B.sll2($0, protocol: 0x86DD) }
        case .bsdNull: return v4.map { B.null($0) } + v6.map { B.null($0, family: 30) }
        case .bsdLoop: return v4.map { B.loop($0) } + v6.map { B.loop($0, family: 24) }
        case .rawIP: return v4 + v6
        case .ipv4: return v4
        case .ipv6: return v6
        }
    }

    static let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark", "/opt/homebrew/bin/tshark"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// How many frames tshark shows with a UDP payload or TCP data.
    static func tsharkPayloadCount(_ path: String, tshark: String) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tshark)
        process.arguments = ["-n", "-r", path, "-Y", "udp || tcp.len > 0", "-T", "fields", "-e", "frame.number"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").count
    }

    @Test(arguments: [PcapLinkType.ethernet, .linuxCooked, .linuxCooked2, .bsdNull, .bsdLoop, .rawIP, .ipv4, .ipv6])
    func aCaptureOfEachLinkTypeDecodesAsItsFramesDo(linkType: PcapLinkType) throws {
        let path = PcapFileTests.temporaryPath("decode-\(linkType)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let frames = Self.frames(linkType)
        let writer = try PcapFileWriter(path: path, linkType: linkType)
        for (i, frame) in frames.enumerated() {
            frame.withUnsafeBytes { writer.write($0, timestamp: 1_765_000_000_000_000_000 + UInt64(i) * 1_000_000) }
        }
        try writer.flush()
        writer.close()

        let reader = try PcapFileReader(path: path)
        #expect(reader.linkType == linkType.dlt)
        #expect(PcapLinkType(rawValue: linkType.rawValue) == linkType)
        var decoder = try PacketDecoder(linkType: reader.linkType)
        var results: [DecodeResult] = []
        var number = 0
        while let packet = try reader.next() {
            number += 1
            results += decoder.decode(packet, number: number)
        }
        results += decoder.finish()
        #expect(number == frames.count)
        let direct = try B.decodeAll(frames, linkType: linkType.dlt)
        #expect(results.payloads.map(\.bytes) == direct.payloads.map(\.bytes))
        #expect(results.payloads.map(\.source) == direct.payloads.map(\.source))
        #expect(results.skips == direct.skips)
        let expected = (linkType == .ipv6 ? 0 : 2) + (linkType == .ipv4 ? 0 : 2)
        #expect(results.payloads.count == expected)
        #expect(results.payloads.allSatisfy { $0.bytes == B.sip })

        guard let tshark = Self.tshark else {
            print("PcapRoundTripTests: tshark is not installed; the comparison with it is skipped")
            return
        }
        #expect(try Self.tsharkPayloadCount(path, tshark: tshark) == results.payloads.count, "tshark agrees")
    }

    @Test func aPacketWrittenCutBySnapLengthReadsBackCut() throws {
        let path = PcapFileTests.temporaryPath("decode-cut")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = B.ipv4(B.udp())
        let writer = try PcapFileWriter(path: path, linkType: .rawIP)
        whole.prefix(40).withUnsafeBytes { writer.write($0, timestamp: 0, originalLength: whole.count) }
        writer.close()
        let reader = try PcapFileReader(path: path)
        let packet = try #require(try reader.next())
        #expect(packet.bytes.count == 40 && packet.originalLength == whole.count)
        var decoder = try PacketDecoder(linkType: reader.linkType)
        #expect(decoder.decode(packet, number: 1).skips == [.cutBySnapLength])
    }
}
