import Foundation
import Testing
@testable import SIPPcap

/// A gzip-compressed capture (`capture.pcap.gz`) reads as the capture it holds; one cut short reads up to the cut
/// and then says so.
@Suite struct GzipCaptureTests {
    /// A capture of `count` UDP packets, gzip-compressed by the system's gzip; returns both paths.
    static func capture(_ count: Int) throws -> (plain: String, gzipped: String) {
        let path = PcapFileTests.temporaryPath("gz")
        let writer = try PcapFileWriter(path: path)
        for i in 0..<count {
            let p = PcapFileTests.packet(Array("OPTIONS sip:b@192.0.2.5 SIP/2.0\r\nCSeq: \(i) OPTIONS\r\n\r\n".utf8),
                                         PcapFileTests.local4, PcapFileTests.remote4)
            p.withUnsafeBytes { writer.write($0, timestamp: UInt64(1_000_000 + i)) }
        }
        try writer.flush()
        writer.close()
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", "-f", path]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        return (path, path + ".gz")
    }

    static func packets(_ reader: PcapFileReader) throws -> [PcapPacket] {
        var out: [PcapPacket] = []
        while let p = try reader.next() { out.append(p) }
        return out
    }

    @Test func aCompressedCaptureReadsAsTheCaptureItHolds() throws {
        let (plain, gzipped) = try Self.capture(200)
        let a = try PcapFileReader(path: plain)
        let b = try PcapFileReader(path: gzipped)
        #expect(!a.compressed && b.compressed)
        #expect(a.linkType == b.linkType)
        let expected = try Self.packets(a), got = try Self.packets(b)
        #expect(got.count == 200 && expected.count == 200)
        #expect(zip(expected, got).allSatisfy { $0.bytes == $1.bytes && $0.timestamp == $1.timestamp })
    }

    @Test func aCompressedCaptureCutShortReadsUpToTheCutThenFails() throws {
        let (_, gzipped) = try Self.capture(2_000)
        let whole = try Data(contentsOf: URL(fileURLWithPath: gzipped))
        let cut = gzipped + ".cut.gz"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
        let reader = try PcapFileReader(path: cut)
        var read = 0
        #expect(throws: PcapError.self) { while try reader.next() != nil { read += 1 } }
        #expect(read > 100 && read < 2_000, "\(read) packets before the cut")
    }

    @Test func aCompressedFileThatIsNotACaptureIsRefusedNamingIt() throws {
        let path = PcapFileTests.temporaryPath("text") + ".gz"
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "echo 'not a capture at all' | gzip > '\(path)'"]
        try gzip.run()
        gzip.waitUntilExit()
        #expect {
            _ = try PcapFileReader(path: path)
        } throws: { error in
            "\(error)".hasPrefix("cannot read '\(path)': ") && "\(error)".contains("after gzip decompression")
        }
    }
}
