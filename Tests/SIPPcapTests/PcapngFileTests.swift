import Foundation
import Testing
@testable import SIPPcap

/// The pcapng writer: libpcap and tshark read what it writes — the packets, their nanosecond times and the
/// comments — and a full disk leaves a valid file.
@Suite struct PcapngFileTests {
    static func write(_ count: Int, to path: String, comment: (Int) -> String?) throws {
        let writer = try PcapngFileWriter(path: path, linkType: .rawIP)
        for i in 0..<count {
            let p = PcapFileTests.packet(Array("OPTIONS sip:b SIP/2.0\r\nCSeq: \(i) OPTIONS\r\n\r\n".utf8) + Array(repeating: 0x41, count: i % 4),
                                         PcapFileTests.local4, PcapFileTests.remote4)
            p.withUnsafeBytes { writer.write($0, timestamp: 1_765_000_000_123_456_789 + UInt64(i), comment: comment(i)) }
        }
        try writer.flush()
        writer.close()
    }

    @Test func libpcapReadsThePacketsAndTheirNanosecondTimes() throws {
        let path = PcapFileTests.temporaryPath("ng") + "ng"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(50, to: path) { $0 % 2 == 0 ? "sipflow: call \($0) sent" : nil }
        let reader = try PcapFileReader(path: path)
        #expect(reader.linkType == PcapLinkType.rawIP.dlt)
        var packets: [PcapPacket] = []
        while let p = try reader.next() { packets.append(p) }
        #expect(packets.count == 50)
        #expect(packets.enumerated().allSatisfy { $1.timestamp == 1_765_000_000_123_456_789 + UInt64($0) })
        #expect(packets.enumerated().allSatisfy { $1.bytes.count == 28 + 41 + String($0).count + $0 % 4 })
    }

    @Test func tsharkShowsEachCommentBesideItsPacket() throws {
        guard let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first(where: FileManager.default.isExecutableFile) else {
            print("◇ tshark is not installed: the pcapng comments are checked by libpcap alone")
            return
        }
        let path = PcapFileTests.temporaryPath("ng") + "ng"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(6, to: path) { $0 == 3 ? nil : "sipflow: call \($0) sent; rules: rfc3261.8.1.1.required-header, ünïcode" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tshark)
        process.arguments = ["-r", path, "-T", "fields", "-e", "frame.comment", "-e", "sip.CSeq", "-e", "_ws.malformed"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 6, "\(text)")
        for (i, row) in rows.enumerated() {
            let comment = i == 3 ? "" : "sipflow: call \(i) sent; rules: rfc3261.8.1.1.required-header, ünïcode"
            #expect(row.first == comment, "packet \(i + 1): \(row)")
            #expect(row.count > 1 && row[1] == "\(i) OPTIONS", "packet \(i + 1) is SIP: \(row)")
        }
    }

    @Test func aFullDiskFailsTheFlushOnceAndTheFileStaysReadable() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let writer = try? PcapngFileWriter(path: "/dev/full")
        #expect(writer == nil, "the header cannot be written to /dev/full")
        let path = PcapFileTests.temporaryPath("ng") + "ng"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(3, to: path) { _ in "kept" }
        let reader = try PcapFileReader(path: path)
        var n = 0
        while try reader.next() != nil { n += 1 }
        #expect(n == 3)
    }
}
